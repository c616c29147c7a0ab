// Stage 7: a lease on the model from the scheduler. Synchronous (returns nothing) when the model is
// ready with a free slot, which is almost always; a promise when the request queues or waits for a
// load, with progress for streaming clients.
import { Cancellation, GatewayError } from '../../core';
import type { ModelGate } from '../deps';
import type { Exchange } from '../exchange/exchange';

export function acquireLease(x: Exchange): Promise<void> | undefined {
  const scheduler = x.start.deps.scheduler;
  if (!scheduler) return undefined;
  const lease = scheduler.tryAcquire(x.target.entry, x.priority, x);
  if (lease) {
    x.lease = lease;
    x.queuedMs = 0;
    return undefined;
  }
  return queue(x, scheduler);
}

async function queue(x: Exchange, scheduler: ModelGate): Promise<void> {
  const { entry, upstream } = x.target;
  // While queued, a client that goes away leaves the queue (in either disconnect mode: nothing has
  // started yet to drain).
  const waiting = new Cancellation();
  const stopWaiting = x.whenClientGone(() => waiting.abort(new GatewayError('client_closed_request', 'Client closed the request.')));
  x.progress = `waiting for model ${entry.name}`;
  const lease = await scheduler.acquire(entry, {
    priority: x.priority,
    signal: waiting,
    onProgress: (e) => {
      x.progress =
        e.kind === 'ready' ? `model ${entry.name} ready` : `loading model ${entry.name}${e.fraction === undefined ? '' : ` ${Math.round(e.fraction * 100)}%`}`;
    },
  });
  // Granted: the lease now ends with the exchange (finish), not with the client. In drain mode the
  // upstream call outlives the client and still holds a runtime slot and a pool connection.
  stopWaiting();
  x.lease = lease;
  x.queuedMs = lease.waitedMs;
  if (x.clientGone && upstream.onDisconnect === 'cancel') throw new GatewayError('client_closed_request', 'Client closed the request.');
  lease.onRevoked((reason) => x.leaseRevoked(reason));
}

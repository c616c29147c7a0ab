// The last failed exchanges, newest first, for the status page: what an operator looks at first
// when users say "it broke a minute ago". A bounded ring, filled from the exchange sinks.
import type { ExchangeFinished, ExchangeSink } from '../../core';
import { seriesRoute } from '../sinks';

export interface RecentError {
  at: number;
  requestId: string;
  route: string;
  model: string;
  upstream: string;
  status: number;
  code: string;
  /** Cut short: upstream messages can be long (a runtime's whole stack trace). */
  message: string;
}

const MESSAGE_CHARS = 300;

export class RecentErrors implements ExchangeSink {
  private readonly ring: RecentError[] = [];

  constructor(private readonly capacity = 20) {}

  exchangeFinished(e: ExchangeFinished): void {
    // A client that went away is its own choice, counted in aegis_client_disconnects_total.
    if (e.status < 400 || e.status === 499) return;
    const message = e.errorMessage ?? '';
    this.ring.unshift({
      at: e.endedAt,
      requestId: e.requestId,
      // The API the client spoke (chat, completions, embeddings, responses, messages), as in the metrics.
      route: seriesRoute(e),
      model: e.model,
      upstream: e.upstream,
      status: e.status,
      code: e.errorCode ?? 'error',
      message: message.length > MESSAGE_CHARS ? `${message.slice(0, MESSAGE_CHARS)}…` : message,
    });
    if (this.ring.length > this.capacity) this.ring.pop();
  }

  list(): RecentError[] {
    return [...this.ring];
  }
}

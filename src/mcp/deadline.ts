// Runs one cancellable operation against a deadline on the Clock: a timeout that progress can
// restart (bounded by a total), and a parent cancellation (client gone, preemption). Either ends
// the operation at once and aborts the signal it was given, so the SDK tells the server
// (`notifications/cancelled`) even when the server itself never answers.
import { Cancellation, type CancelSignal, type Clock, type TimerHandle } from '../core';

export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'DeadlineExceeded';
  }
}

export interface DeadlineOptions {
  clock: Clock;
  timeoutMs: number;
  /** Upper bound from the start however often `touch` restarts the timeout. */
  maxTotalMs?: number;
  /** Cancelling it cancels the operation with the parent's reason. */
  signal?: CancelSignal;
}

/** `run` gets the operation's signal and `touch`, which restarts the timeout (progress). */
export function withDeadline<T>(
  run: (signal: CancelSignal, touch: () => void) => Promise<T>,
  { clock, timeoutMs, maxTotalMs, signal }: DeadlineOptions,
): Promise<T> {
  const own = new Cancellation();
  if (signal?.aborted) return Promise.reject(signal.reason);
  const started = clock.now();
  return new Promise<T>((resolve, reject) => {
    let timer: TimerHandle | undefined;
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      signal?.removeEventListener('abort', onParent);
      return true;
    };
    const fail = (reason: unknown) => {
      if (!settle()) return;
      own.abort(reason);
      reject(reason);
    };
    const onParent = () => fail(signal?.reason);
    const arm = () => {
      if (settled) return;
      if (timer !== undefined) clock.clearTimeout(timer);
      const total = maxTotalMs === undefined ? Number.POSITIVE_INFINITY : started + maxTotalMs - clock.now();
      const wait = Math.max(0, Math.min(timeoutMs, total));
      const limit = wait === timeoutMs ? timeoutMs : (maxTotalMs ?? timeoutMs);
      timer = clock.setTimeout(() => fail(new DeadlineExceeded(limit)), wait);
    };
    signal?.addEventListener('abort', onParent);
    arm();
    let pending: Promise<T>;
    try {
      pending = run(own, arm);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => {
        if (settle()) resolve(value);
      },
      (err: unknown) => {
        if (settle()) reject(err);
      },
    );
  });
}

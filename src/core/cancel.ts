// Cancellation of one upstream call. An AbortController costs a Node EventTarget and an AbortSignal
// (and undici's listener on it) on every request, yet is almost never aborted; this is the part of
// AbortSignal that undici and the adapters use, as a plain object.

type AbortListener = () => void;

/** What adapters read: an AbortSignal satisfies it too (scheduler loads pass real ones). */
export interface CancelSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: AbortListener, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: AbortListener): void;
}

export class Cancellation implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: AbortListener[] | undefined;

  /** Listeners run once, on the first abort (every listener here is a once-listener). */
  addEventListener(_type: 'abort', listener: AbortListener): void {
    if (this.aborted) return;
    (this.listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: AbortListener): void {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i !== -1) this.listeners!.splice(i, 1);
  }

  /** Idempotent, like AbortController#abort: the first reason sticks. */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const l of listeners ?? []) l();
  }
}

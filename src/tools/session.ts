// One exchange's tools, from the plan to the answer: whole answers read in place, streams through a
// ToolStream, the one constrained retry an invalid call may get, and the counters metrics and
// records report.
import type { ChatCompletion } from '../core';
import { applyReading, normaliseNativeCalls, readConstrained, readText, type Reading } from './answer';
import { randomCallId, type CallIds } from './ids';
import type { ToolPlan, UpstreamFields } from './plan';
import { ToolStream } from './stream';
import type { InvalidCall, ToolStats } from './types';

export class ToolSession {
  readonly stats: ToolStats;
  private pending: { choice: ChatCompletion['choices'][number]; reading: Reading; invalid: InvalidCall } | undefined;
  private streamed: ToolStream | undefined;

  constructor(
    readonly plan: ToolPlan,
    private readonly ids: CallIds = randomCallId,
  ) {
    this.stats = { mode: plan.mode, calls: 0, parseFailures: 0, repairs: 0 };
  }

  /**
   * Reads a whole answer into OpenAI's shape, in place. An invalid call that may be retried leaves
   * the answer as it is until `retried` says how the retry went.
   */
  whole(body: ChatCompletion): void {
    const choice = body.choices[0];
    if (!choice) return;
    const { plan, stats } = this;
    const native = normaliseNativeCalls(choice.message, this.ids);
    stats.calls += native;
    if (plan.parse === 'none') {
      if (native) applyReading(choice, { content: choice.message.content ?? '', calls: [], invalid: [], repairs: 0 }, false);
      return;
    }
    const text = choice.message.content ?? '';
    const truncated = choice.finish_reason === 'length';
    const reading = plan.parse === 'json' ? readConstrained(text, plan.catalog, this.ids, truncated) : readText(text, plan.catalog, this.ids, truncated);
    stats.calls += reading.calls.length;
    stats.parseFailures += reading.invalid.length;
    stats.repairs += reading.repairs;
    const invalid = plan.retry && reading.calls.length === 0 ? reading.invalid.find((i) => i.name !== undefined) : undefined;
    if (invalid) {
      this.pending = { choice, reading, invalid };
      return;
    }
    applyReading(choice, reading, true);
  }

  /** A stream's state; one per exchange. */
  stream(): ToolStream {
    this.streamed = new ToolStream({ plan: this.plan, stats: this.stats, ids: this.ids });
    return this.streamed;
  }

  /** The invalid call waiting for its constrained retry, whole or streamed. */
  get pendingRetry(): InvalidCall | undefined {
    return this.pending?.invalid ?? this.streamed?.pendingRetry;
  }

  /** The upstream fields of the retry: the same conversation, decoded under the named tool's schema. */
  retryFields(): UpstreamFields | undefined {
    const name = this.pendingRetry?.name;
    return name === undefined ? undefined : this.plan.constrained({ kind: 'named', name });
  }

  /** How the retry went (undefined when it failed to run): its call replaces the invalid one. */
  retried(answer: ChatCompletion | undefined): void {
    const text = answer?.choices[0]?.message.content ?? '';
    const retry = readConstrained(text, this.plan.catalog, this.ids, answer?.choices[0]?.finish_reason === 'length');
    const ok = retry.calls.length > 0;
    this.stats.retry = ok ? 'repaired' : 'failed';
    if (ok) this.stats.calls += retry.calls.length;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      const reading = ok ? { ...pending.reading, calls: retry.calls, invalid: [] } : pending.reading;
      applyReading(pending.choice, reading, true);
      return;
    }
    this.streamed?.retried(ok ? retry : { content: '', calls: [], invalid: [], repairs: 0 });
  }
}

// The life of one proxied exchange: cancellation wiring (client gone, preemption), the lease,
// answer assembly from chunks, and the once-only finish (release · metrics · record).
import { Cancellation, GatewayError, toGatewayError, type ChatChunk, type ChatCompletion, type Completion, type ToolCall, type Usage } from '../core';
import type { ModelEntry } from '../registry';
import type { Upstream } from '../upstreams';
import type { GatewayDeps, ModelLease, RevocationListener } from './deps';
import type { ExchangeOutcome } from './exchange';
import { estimatePromptTokens } from './token-estimate';
import type { Principal } from './keys';

export interface ExchangeInit {
  deps: GatewayDeps;
  route: ExchangeOutcome['route'];
  requestId: string;
  startedAt: number;
  principal: Principal;
  entry: ModelEntry;
  upstream: Upstream;
  stream: boolean;
  request: Record<string, unknown>;
  decisionId?: string;
  decisionReasons?: string[];
  priority: string;
  log: boolean;
  redact: string[];
}

export class ExchangeTracker implements RevocationListener {
  /** Aborts the upstream call: client gone (cancel mode) or preempted. */
  readonly upstreamAbort = new Cancellation();
  clientGone = false;
  private lease: ModelLease | undefined;
  private finished = false;
  private answer = '';
  private readonly toolCalls: ToolCall[] = [];
  private usage: Usage | undefined;
  private finishReason: string | null | undefined;
  private firstTokenAt: number | undefined;
  private chunkCount = 0;
  /** Streamed chunks that carried output: one token each on llama.cpp-based runtimes. */
  private tokenChunks = 0;

  constructor(readonly init: ExchangeInit) {
    init.deps.metrics.inFlight.inc({ model: init.entry.name });
  }

  /** Extra work to do when the client goes away (drain mode's queue exit). */
  private readonly onClientGone: (() => void)[] = [];

  markClientGone(): void {
    if (this.clientGone || this.finished) return;
    this.clientGone = true;
    for (const f of this.onClientGone.splice(0)) f();
    if (this.init.upstream.onDisconnect === 'cancel') this.upstreamAbort.abort(new GatewayError('client_closed_request', 'Client closed the request.'));
  }

  /**
   * Takes a lease on the model. Synchronous (returns nothing) when the scheduler grants at once,
   * which is almost always; a promise only when the request has to queue or wait for a load.
   */
  acquire(onProgress?: (message: string, fraction?: number) => void): Promise<void> | undefined {
    const { scheduler } = this.init.deps;
    if (!scheduler) return undefined;
    const lease = scheduler.tryAcquire?.(this.init.entry, this.init.priority, this);
    if (lease) {
      this.lease = lease;
      return undefined;
    }
    return this.queue(scheduler, onProgress);
  }

  private async queue(scheduler: NonNullable<GatewayDeps['scheduler']>, onProgress?: (message: string, fraction?: number) => void): Promise<void> {
    // While queued, a client that goes away leaves the queue (in either disconnect mode: nothing has
    // started yet to drain). Only queued requests pay for a real AbortController.
    const waiting = new AbortController();
    const leave = () => waiting.abort(new GatewayError('client_closed_request', 'Client closed the request.'));
    if (this.clientGone) leave();
    else this.onClientGone.push(leave);
    const lease = await scheduler.acquire(this.init.entry, { priority: this.init.priority, signal: waiting.signal, onProgress });
    // Granted: the lease now ends with the exchange (`finish`), not with the client. In drain mode the
    // upstream call outlives the client and still holds a runtime slot and a pool connection.
    const at = this.onClientGone.indexOf(leave);
    if (at >= 0) this.onClientGone.splice(at, 1);
    this.lease = lease;
    if (this.clientGone && this.init.upstream.onDisconnect === 'cancel') throw new GatewayError('client_closed_request', 'Client closed the request.');
    // Inline callbacks: tsx (esbuild keepNames) wraps each named function expression in a
    // defineProperty call, which would run once per request here.
    if (lease.onRevoked) lease.onRevoked((reason) => this.leaseRevoked(reason));
    else if (lease.signal) {
      if (lease.signal.aborted) this.leaseRevoked(lease.abortReason?.());
      else lease.signal.addEventListener('abort', () => this.leaseRevoked(lease.abortReason?.()), { once: true });
    }
  }

  /** The scheduler took the slot back (preemption): the upstream call is cut. */
  leaseRevoked(reason?: Error): void {
    this.upstreamAbort.abort(reason ?? new GatewayError('preempted', 'The request was preempted by a higher-priority model.', { retryAfter: 5 }));
  }

  /** The error to show for a failure, seen from this exchange (aborts become 499 or preempted). */
  failure(err: unknown): GatewayError {
    const reason: unknown = this.upstreamAbort.aborted ? this.upstreamAbort.reason : undefined;
    if (reason instanceof GatewayError && reason.code === 'preempted') return reason;
    if (this.clientGone) return new GatewayError('client_closed_request', 'Client closed the request.');
    return toGatewayError(err);
  }

  private noteFirstToken(): void {
    this.firstTokenAt ??= this.init.deps.clock.now();
  }

  absorbChunk(chunk: ChatChunk): void {
    this.chunkCount++;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return;
    const { content, tool_calls } = choice.delta;
    if (content) {
      this.noteFirstToken();
      this.tokenChunks++;
      this.answer += content;
    }
    for (const d of tool_calls ?? []) {
      this.noteFirstToken();
      const call = (this.toolCalls[d.index] ??= { id: d.id ?? '', type: 'function', function: { name: '', arguments: '' } });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.function.name += d.function.name;
      if (d.function?.arguments) call.function.arguments += d.function.arguments;
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  absorbCompletionChunk(chunk: Completion): void {
    this.chunkCount++;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice?.text) {
      this.noteFirstToken();
      this.tokenChunks++;
      this.answer += choice.text;
    }
    if (choice?.finish_reason) this.finishReason = choice.finish_reason;
  }

  absorbWhole(body: ChatCompletion | Completion): void {
    this.noteFirstToken();
    const choice = body.choices[0];
    if (choice && 'message' in choice) {
      this.answer = choice.message.content ?? '';
      this.toolCalls.push(...(choice.message.tool_calls ?? []));
    } else if (choice && 'text' in choice) this.answer = choice.text;
    this.finishReason = choice?.finish_reason;
    this.usage = body.usage ?? undefined;
  }

  setUsage(usage: Usage): void {
    this.usage = usage;
  }

  get seenUsage(): Usage | undefined {
    return this.usage;
  }

  /**
   * Usage for runtimes that stream none (llama-cpp-python): output tokens counted from the chunks,
   * prompt tokens estimated (token-estimate.ts). Recorded as the usage from then on.
   */
  estimateUsage(): Usage {
    const prompt = estimatePromptTokens(this.init.request);
    this.usage = { prompt_tokens: prompt, completion_tokens: this.tokenChunks, total_tokens: prompt + this.tokenChunks };
    return this.usage;
  }

  /** Once: release the lease, count, and hand the outcome to the recorders. */
  finish(status: number, error?: GatewayError): void {
    if (this.finished) return;
    this.finished = true;
    this.lease?.release();
    const { deps, entry, route } = this.init;
    const finalStatus = this.clientGone ? 499 : status;
    const endedAt = deps.clock.now();
    const m = deps.metrics;
    m.inFlight.dec({ model: entry.name });
    m.requests.inc({ route, model: entry.name, status: String(finalStatus) });
    m.duration.observe({ route, model: entry.name }, (endedAt - this.init.startedAt) / 1000);
    if (this.firstTokenAt !== undefined && this.init.stream) m.ttft.observe({ model: entry.name }, (this.firstTokenAt - this.init.startedAt) / 1000);
    if (this.usage) {
      m.tokens.inc({ model: entry.name, kind: 'prompt' }, this.usage.prompt_tokens);
      m.tokens.inc({ model: entry.name, kind: 'completion' }, this.usage.completion_tokens);
    }
    if (finalStatus === 499) m.disconnects.inc({ model: entry.name });
    if (error && error.status >= 500) m.upstreamErrors.inc({ upstream: entry.upstream, code: error.code });
    const req = this.init.request;
    if (deps.options.logPrompts) {
      // Opt-in (logging.prompts): the text goes through the same redacting logger as everything else.
      deps.logger.info({ requestId: this.init.requestId, model: entry.name, status: finalStatus, messages: req.messages, prompt: req.prompt, answer: this.answer }, 'exchange text');
    }
    deps.onExchange?.({
      requestId: this.init.requestId,
      route,
      startedAt: this.init.startedAt,
      endedAt,
      firstTokenAt: this.firstTokenAt,
      principalId: this.init.principal.id,
      model: entry.name,
      modelVersion: entry.version,
      upstream: entry.upstream,
      upstreamModel: entry.upstreamModel,
      stream: this.init.stream,
      status: finalStatus,
      errorCode: finalStatus === 499 ? 'client_closed_request' : error?.code,
      errorMessage: error?.message,
      messages: req.messages as ExchangeOutcome['messages'],
      prompt: req.prompt as ExchangeOutcome['prompt'],
      answer: this.answer,
      toolCalls: this.toolCalls.filter(Boolean),
      finishReason: this.finishReason,
      usage: this.usage,
      decisionId: this.init.decisionId,
      decisionReasons: this.init.decisionReasons,
      log: this.init.log,
      redact: this.init.redact,
    });
  }
}

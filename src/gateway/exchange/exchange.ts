// One exchange: a client request on its way through the stages. It owns the cancellation of its
// upstream calls (client gone, preemption), the lease it holds on the model across every turn, the
// turns themselves, and the once-only finish that releases the lease and publishes the result.
import {
  addUsage,
  Cancellation,
  GatewayError,
  toGatewayError,
  type ExchangeDecision,
  type ExchangeFinished,
  type ExchangeSink,
  type ExchangeToolCall,
  type Usage,
} from '../../core';
import type { ModelEntry } from '../../registry';
import type { Lease, RevocationListener } from '../../scheduler';
import type { ToolSession } from '../../tools';
import type { Strategy } from '../../context';
import type { Upstream } from '../../upstreams';
import type { ContextState } from '../context/fit-chat';
import { CONTEXT_HEADER, contextHeader, exchangeContext } from '../context/report';
import type { GatewayDeps, GatewaySnapshot } from '../deps';
import type { Principal } from '../keys';
import { seriesRoute } from '../sinks';
import type { ClientRequest, FrontDoor } from './front-door';
import type { McpPlan } from './mcp-plan';
import { estimatePromptTokens } from './token-estimate';
import { Turn } from './turn';

/** Who asked what through which door: what an exchange starts from, before any stage ran. */
export interface ExchangeStart<Req extends ClientRequest, W, C> {
  deps: GatewayDeps;
  /** Who hears of the finished exchange: the gateway's own metrics first, then `deps.sinks`. */
  sinks: readonly ExchangeSink[];
  snapshot: GatewaySnapshot;
  door: FrontDoor<Req, W, C>;
  requestId: string;
  startedAt: number;
  principal: Principal;
  request: Req;
  /** The strategy the client asked for with `x-aegis-truncate`. */
  truncate?: Strategy;
  /** Published with the finished exchange (ExchangeFinished.labels), e.g. the consultation it answers. */
  labels?: Readonly<Record<string, string>>;
}

/** Where the exchange goes: the resolved model and the upstream that serves it. */
export interface Target {
  entry: ModelEntry;
  upstream: Upstream;
}

const clientClosed = () => new GatewayError('client_closed_request', 'Client closed the request.');

export class Exchange<Req extends ClientRequest = ClientRequest, W = unknown, C = unknown> implements RevocationListener {
  /** Aborts the upstream call: client gone (cancel mode) or preempted. */
  readonly cancel = new Cancellation();
  clientGone = false;
  readonly turns: Turn[] = [];
  /** The lease on the model, held from the acquire stage to finish, across every turn. */
  lease: Lease | undefined;
  /** Told of each new `progress` (the MCP endpoint's progress notifications). */
  private progressListeners: ((progress: string) => void)[] | undefined;
  private progressText = '';
  /** What the context step did (chat doors); replaced when a refusal made it fit again. */
  context: ContextState<Req> | undefined;
  /** The MCP tools it offers and the request tool rounds start from (stage 4a); undefined without. */
  mcp: McpPlan<Req> | undefined;
  /** The MCP calls its tool loop ran, for the record. */
  readonly mcpCalls: ExchangeToolCall[] = [];
  /** Time the lease took (queue, load); stays undefined without a scheduler. */
  queuedMs: number | undefined;
  /** When the open model call was sent (undefined: none open), and the upstream's time over every finished call. */
  private callStartedAt: number | undefined;
  private upstreamMs: number | undefined;
  /** Extra work to do when the client goes away (leaving the scheduler's queue). */
  private readonly onClientGone: (() => void)[] = [];
  private finished = false;
  /** Turns whose usage Aegis estimated because the runtime reported none. */
  private readonly estimated = new Set<Turn>();

  constructor(
    readonly start: ExchangeStart<Req, W, C>,
    readonly target: Target,
    /** Policy's decision, by reference; undefined when no policy engine runs. */
    readonly decision: ExchangeDecision | undefined,
    /** The request as it goes upstream: obligations applied, context fitted, tools prepared. */
    public request: Req,
    readonly priority: string,
    /** How the request's tools are served, when it has any (src/tools). */
    public tools?: ToolSession,
  ) {
    start.deps.metrics.series.of(seriesRoute(start.door), target.entry.name).inFlight.inc();
  }

  /** What the exchange waits for, for streaming clients' keep-alive comments. */
  get progress(): string {
    return this.progressText;
  }

  set progress(text: string) {
    this.progressText = text;
    if (this.progressListeners) for (const f of this.progressListeners) f(text);
  }

  /** Calls `f` with every new progress text until the exchange finishes. */
  onProgress(f: (progress: string) => void): void {
    (this.progressListeners ??= []).push(f);
  }

  get stream(): boolean {
    return (this.request as { stream?: boolean | null }).stream === true;
  }

  /** Response headers every answer of this exchange carries (streams are built by hand). */
  headers(): Record<string, string> {
    const { entry } = this.target;
    const headers: Record<string, string> = {
      'x-request-id': this.start.requestId,
      'x-aegis-model': `${entry.name}@${entry.version}`,
      'x-aegis-upstream': entry.upstream,
    };
    if (this.decision) headers['x-aegis-decision-id'] = this.decision.id;
    const extra = this.start.door.headers;
    if (extra) Object.assign(headers, extra);
    if (this.context) headers[CONTEXT_HEADER] = contextHeader(this.context.report);
    return headers;
  }

  /** A model call is sent now (the first, a refit after a refusal, the retry of a tool call). */
  upstreamCall(): void {
    this.callStartedAt = this.start.deps.clock.now();
  }

  /**
   * The open model call has delivered its whole answer or failed. Called once per call; a second
   * word is ignored, so the end of a stream and the codec's end may both say so.
   */
  upstreamDone(): void {
    if (this.callStartedAt === undefined) return;
    this.upstreamMs = (this.upstreamMs ?? 0) + this.start.deps.clock.now() - this.callStartedAt;
    this.callStartedAt = undefined;
  }

  /** A new model call's turn. */
  newTurn(): Turn {
    const turn = new Turn(this.start.deps.clock);
    this.turns.push(turn);
    return turn;
  }

  markClientGone(): void {
    if (this.clientGone || this.finished) return;
    this.clientGone = true;
    for (const f of this.onClientGone.splice(0)) f();
    if (this.target.upstream.onDisconnect === 'cancel') this.cancel.abort(clientClosed());
  }

  /**
   * Runs `f` if the client goes away before the exchange finishes (at once if it already has);
   * returns a function that cancels the request.
   */
  whenClientGone(f: () => void): () => void {
    if (this.clientGone) {
      f();
      return () => {};
    }
    this.onClientGone.push(f);
    return () => {
      const at = this.onClientGone.indexOf(f);
      if (at >= 0) this.onClientGone.splice(at, 1);
    };
  }

  /** The scheduler took the slot back (preemption): the upstream call is cut. */
  leaseRevoked(reason?: Error): void {
    this.cancel.abort(reason ?? new GatewayError('preempted', 'The request was preempted by a higher-priority model.', { retryAfter: 5 }));
  }

  /** The error to show for a failure, seen from this exchange (aborts become 499 or preempted). */
  failure(err: unknown): GatewayError {
    const reason: unknown = this.cancel.aborted ? this.cancel.reason : undefined;
    if (reason instanceof GatewayError && reason.code === 'preempted') return reason;
    if (this.clientGone) return clientClosed();
    return toGatewayError(err);
  }

  /** Finishes with the failure `err` stands for, and returns it to be shown. */
  fail(err: unknown): GatewayError {
    const e = this.failure(err);
    this.finish(e.status, e);
    return e;
  }

  /**
   * Usage over every turn. A runtime that reports none (llama-cpp-python streams) gets output
   * tokens counted from its chunks and prompt tokens estimated, remembered as the turn's usage.
   */
  usage(): Usage | undefined {
    let total: Usage | undefined;
    for (const turn of this.turns) {
      if (!turn.usage && turn.outputChunks > 0) {
        const prompt = this.context?.report.tokens ?? estimatePromptTokens(this.request);
        turn.usage = { prompt_tokens: prompt, completion_tokens: turn.outputChunks, total_tokens: prompt + turn.outputChunks };
        this.estimated.add(turn);
      }
      if (!turn.usage) continue;
      total = addUsage(total, turn.usage);
    }
    return total;
  }

  /** Stage 11, once: release the lease and publish the finished exchange to every sink. */
  finish(status: number, error?: GatewayError): void {
    if (this.finished) return;
    this.finished = true;
    // A call still open failed or was cut (client gone, preempted): its time so far was the upstream's.
    this.upstreamDone();
    this.lease?.release();
    this.progressListeners = undefined;
    const { deps, door, requestId, startedAt, principal } = this.start;
    const { entry } = this.target;
    const finalStatus = this.clientGone ? 499 : status;
    const last = this.turns.at(-1);
    const request = this.request as { messages?: ExchangeFinished['messages']; prompt?: ExchangeFinished['prompt'] };
    const event: ExchangeFinished = {
      requestId,
      route: door.route,
      api: door.api,
      startedAt,
      endedAt: deps.clock.now(),
      firstTokenAt: this.turns[0]?.firstTokenAt,
      lastTokenAt: this.turns[0]?.lastTokenAt,
      queuedMs: this.queuedMs,
      upstreamMs: this.upstreamMs,
      priority: this.priority,
      principalId: principal.id,
      model: entry.name,
      modelVersion: entry.version,
      upstream: entry.upstream,
      upstreamModel: entry.upstreamModel,
      stream: this.stream,
      status: finalStatus,
      errorCode: finalStatus === 499 ? 'client_closed_request' : error?.code,
      errorMessage: error?.message,
      messages: request.messages,
      prompt: request.prompt,
      context: this.context && exchangeContext(this.context.report, this.reportedPromptTokens(), this.context.reusedCut),
      droppedMessages: this.context?.dropped.length ? this.context.dropped : undefined,
      answer: last?.answer ?? '',
      toolCalls: last?.toolCalls.filter(Boolean) ?? [],
      finishReason: last?.finishReason,
      usage: this.usage(),
      turns: this.turns.length,
      mcpCalls: this.mcpCalls.length > 0 ? this.mcpCalls : undefined,
      decision: this.decision,
      tools: this.tools?.stats,
      labels: this.start.labels,
    };
    if (this.context && event.context?.reported !== undefined && finalStatus === 200) {
      const { model } = this.context.plan;
      if (event.context.counted === model.counter.kind) model.counter.calibration.observe(event.context.tokens, event.context.reported);
    }
    for (const sink of this.start.sinks) sink.exchangeFinished(event);
  }

  /** The prompt tokens the runtime reported for the one model call, if it reported them. */
  private reportedPromptTokens(): number | undefined {
    const turn = this.turns.length === 1 ? this.turns[0] : undefined;
    return turn && !this.estimated.has(turn) ? turn.usage?.prompt_tokens : undefined;
  }
}

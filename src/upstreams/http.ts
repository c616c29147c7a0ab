// Outbound HTTP for adapters: a per-upstream undici Agent with explicit timeouts, and the one
// place where transport failures and upstream error bodies become GatewayErrors.
import { Agent, errors as undiciErrors, type Dispatcher } from 'undici';
import { GatewayError, type CancelSignal } from '../core';
import type { TimeoutsConfig } from '../config';
import { retryAfterSeconds } from './retry-after';

/**
 * Sockets on top of `connections` for health probes, discovery and load/unload calls. The scheduler
 * lets generation requests fill all `connections`; a probe queued behind them would time out and mark
 * a busy upstream as down, and a load would wait for a stream to end.
 */
export const CONTROL_CONNECTIONS = 2;

/** `connections`: generation requests the upstream receives at once (the scheduler's lease pool). */
export function createDispatcher(timeouts: TimeoutsConfig, connections: number): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
    keepAliveTimeout: 30_000,
    connections: connections + CONTROL_CONNECTIONS,
    pipelining: 1,
  });
}

export interface UpstreamCall {
  method?: 'GET' | 'POST' | 'DELETE';
  body?: unknown;
  signal?: CancelSignal;
  headers?: Record<string, string>;
  /** Overrides the dispatcher's headers timeout (health checks must be quick). */
  headersTimeout?: number;
}

export type UpstreamBody = Dispatcher.ResponseData['body'];

export class UpstreamClient {
  /** Requests with a body (generations, embeddings, tokenizing) sent and not yet answered in full. */
  inFlight = 0;
  /** The base URL split once: undici's top-level request() would parse a URL on every call. */
  private readonly origin: string;
  private readonly prefix: string;

  constructor(
    readonly name: string,
    readonly baseUrl: string,
    private readonly dispatcher: Dispatcher,
    private readonly apiKey?: string,
  ) {
    // An unparsable URL (a runner not started yet) fails each call as an unreachable upstream would.
    const url = URL.canParse(baseUrl) ? new URL(baseUrl) : undefined;
    this.origin = url?.origin ?? baseUrl;
    this.prefix = url?.pathname.replace(/\/+$/, '') ?? '';
  }

  /** Sends a request; resolves with the body stream of a 2xx answer, throws GatewayError otherwise. */
  async send(path: string, call: UpstreamCall = {}): Promise<UpstreamBody> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream', ...call.headers };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (this.apiKey) headers.authorization = `Bearer ${this.apiKey}`;
    // Counted from before the request goes out: a runtime may send no headers until its first token.
    const tracked = call.body !== undefined;
    if (tracked) this.inFlight++;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.dispatcher.request({
        origin: this.origin,
        path: this.prefix + path,
        method: call.method ?? (call.body === undefined ? 'GET' : 'POST'),
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        // undici takes any EventTarget-like signal (it only reads aborted/reason and adds a listener).
        signal: call.signal as AbortSignal | undefined,
        headersTimeout: call.headersTimeout,
      });
    } catch (err) {
      if (tracked) this.inFlight--;
      throw transportError(this.name, err, call.signal);
    }
    // Read to the end, failed or cancelled: the body closes once either way.
    if (tracked) res.body.once('close', () => this.inFlight--);
    if (res.statusCode >= 200 && res.statusCode < 300) return res.body;
    const text = await res.body.text().catch(() => '');
    throw statusError(this.name, res.statusCode, text, res.headers['retry-after']);
  }

  /** Health probe: true when `path` answers 2xx within `timeoutMs`. */
  async reachable(path: string, timeoutMs: number): Promise<boolean> {
    try {
      await this.json(path, { headersTimeout: timeoutMs, signal: AbortSignal.timeout(timeoutMs * 2) });
      return true;
    } catch {
      return false;
    }
  }

  async json<T>(path: string, call: UpstreamCall = {}): Promise<T> {
    const body = await this.send(path, call);
    try {
      return (await body.json()) as T;
    } catch (err) {
      throw transportError(this.name, err, call.signal);
    }
  }
}

export function isAbort(err: unknown, signal?: CancelSignal): boolean {
  return (signal?.aborted ?? false) || (err instanceof Error && (err.name === 'AbortError' || (err as { code?: string }).code === 'UND_ERR_ABORTED'));
}

/** Connection and timeout failures. A client abort passes through untouched for the caller. */
export function transportError(upstream: string, err: unknown, signal?: CancelSignal): unknown {
  if (err instanceof GatewayError) return err;
  if (isAbort(err, signal)) return err;
  const code = (err as { code?: string }).code ?? '';
  if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new GatewayError('upstream_timeout', `Upstream "${upstream}" timed out (${code || (err as Error).name}).`, { cause: err });
  }
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code)) {
    return new GatewayError('upstream_unavailable', `Upstream "${upstream}" is unreachable (${code}).`, { cause: err });
  }
  return new GatewayError('upstream_error', `Upstream "${upstream}" failed: ${(err as Error).message ?? String(err)}`, { cause: err });
}

/** Extracts the message from the error bodies runtimes send: OpenAI envelope, Ollama `{error}`, FastAPI `{detail}`. */
export function upstreamMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; detail?: unknown; message?: unknown };
    const e = body.error;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') {
      // llama.cpp's server puts the figures of a context refusal beside its message (exceed_context_size_error).
      const { message, n_ctx, n_prompt_tokens } = e as { message: string; n_ctx?: unknown; n_prompt_tokens?: unknown };
      return typeof n_ctx === 'number' ? `${message} (n_ctx ${n_ctx}, prompt ${String(n_prompt_tokens ?? '?')} tokens)` : message;
    }
    if (typeof body.detail === 'string') return body.detail;
    if (body.detail !== undefined) return JSON.stringify(body.detail);
    if (typeof body.message === 'string') return body.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.slice(0, 500) || 'no error body';
}

/** An upstream's error answer as the GatewayError the client sees. */
export function statusError(upstream: string, status: number, text: string, retryAfter?: string | string[]): GatewayError {
  const message = upstreamMessage(text);
  const prefix = `Upstream "${upstream}" answered ${status}: `;
  if (status === 401 || status === 403) {
    // The upstream refused Aegis' own credentials. Its message is left out: OpenAI-style servers
    // quote part of the key they were sent ("Incorrect API key provided: sk-abc***").
    return new GatewayError(
      'upstream_auth_failed',
      `Upstream "${upstream}" refused the gateway's credentials (${status}); check the upstream's apiKey in the Aegis configuration.`,
    );
  }
  if (/context (length|size|window)|exceeds the available context|too many tokens|maximum context/i.test(message)) {
    return new GatewayError('context_length_exceeded', prefix + message);
  }
  if (status === 404) return new GatewayError('model_not_found', prefix + message, { status: 404 });
  if (status === 429) return new GatewayError('rate_limited', prefix + message, { retryAfter: retryAfterSeconds(retryAfter) });
  if (status === 503) return new GatewayError('upstream_unavailable', prefix + message, { status: 503, retryAfter: retryAfterSeconds(retryAfter) });
  if (status >= 400 && status < 500) return new GatewayError('invalid_request', prefix + message, { status: 400 });
  return new GatewayError('upstream_error', prefix + message);
}

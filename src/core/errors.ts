// The one error type of Aegis: a stable string code, an HTTP status and exactly one rendering,
// the OpenAI envelope `{ "error": { message, type, param, code } }`.

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'body_too_large'
  | 'invalid_api_key'
  | 'missing_api_key'
  | 'permission_denied'
  | 'policy_denied'
  | 'model_not_found'
  | 'not_found'
  | 'previous_response_not_found'
  | 'method_not_allowed'
  | 'context_length_exceeded'
  | 'capability_not_supported'
  | 'queue_full'
  | 'queue_timeout'
  | 'rate_limited'
  | 'rate_limit_exceeded'
  | 'preempted'
  | 'model_load_failed'
  | 'insufficient_resources'
  | 'upstream_error'
  | 'upstream_unavailable'
  | 'upstream_timeout'
  | 'upstream_auth_failed'
  | 'client_closed_request'
  | 'shutting_down'
  | 'internal_error';

interface CodeInfo {
  status: number;
  type: string;
}

// OpenAI's `type` values: invalid_request_error, authentication_error, permission_error,
// not_found_error, rate_limit_error, server_error. Clients branch on `type` and `code`.
const CODES: Record<ErrorCode, CodeInfo> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  body_too_large: { status: 413, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  missing_api_key: { status: 401, type: 'authentication_error' },
  permission_denied: { status: 403, type: 'permission_error' },
  policy_denied: { status: 403, type: 'permission_error' },
  model_not_found: { status: 404, type: 'not_found_error' },
  not_found: { status: 404, type: 'not_found_error' },
  // OpenAI answers an unknown previous_response_id with 400 and this code (not 404): the request is
  // what is wrong, and agents branch on the code to resend the whole history.
  previous_response_not_found: { status: 400, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  capability_not_supported: { status: 400, type: 'invalid_request_error' },
  queue_full: { status: 429, type: 'rate_limit_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  queue_timeout: { status: 503, type: 'server_error' },
  preempted: { status: 503, type: 'server_error' },
  model_load_failed: { status: 503, type: 'server_error' },
  insufficient_resources: { status: 503, type: 'server_error' },
  shutting_down: { status: 503, type: 'server_error' },
  upstream_error: { status: 502, type: 'server_error' },
  upstream_unavailable: { status: 502, type: 'server_error' },
  upstream_timeout: { status: 504, type: 'server_error' },
  // The upstream refused Aegis' own credentials: the gateway's configuration is wrong, not the request.
  upstream_auth_failed: { status: 502, type: 'server_error' },
  client_closed_request: { status: 499, type: 'invalid_request_error' },
  internal_error: { status: 500, type: 'server_error' },
};

export interface GatewayErrorOptions {
  param?: string | null;
  /** Seconds the client should wait before retrying (429/503). */
  retryAfter?: number;
  /** Overrides the status that belongs to the code (e.g. an upstream's own 4xx passed through). */
  status?: number;
  /** Extra machine-readable detail rendered inside the envelope (e.g. policy reasons). */
  details?: Record<string, unknown>;
  /** Extra response headers that belong with this error (e.g. `x-ratelimit-*`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

export interface ErrorEnvelope {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string;
    [extra: string]: unknown;
  };
}

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly retryAfter?: number;
  readonly details?: Record<string, unknown>;
  private readonly extraHeaders?: Record<string, string>;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    const info = CODES[code];
    this.code = code;
    this.status = options.status ?? info.status;
    this.type = info.type;
    this.param = options.param ?? null;
    this.retryAfter = options.retryAfter;
    this.details = options.details;
    this.extraHeaders = options.headers;
  }

  toJSON(): ErrorEnvelope {
    return {
      error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.details },
    };
  }

  /** Headers that belong with this error (Retry-After for saturation and preemption). */
  headers(): Record<string, string> {
    const retry = this.retryAfter === undefined ? undefined : String(Math.max(1, Math.ceil(this.retryAfter)));
    if (!this.extraHeaders) return retry === undefined ? {} : { 'retry-after': retry };
    return retry === undefined ? { ...this.extraHeaders } : { ...this.extraHeaders, 'retry-after': retry };
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Any thrown value as a GatewayError; unknown failures become a 500 without leaking internals. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('internal_error', 'The gateway failed to handle the request.', { cause: err });
}

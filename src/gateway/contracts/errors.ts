// The error responses of every route: OpenAI's envelope (Anthropic's on /v1/messages), with the
// codes each status carries, as src/core/errors.ts and src/protocols/messages render them.
import { RATE_LIMIT_HEADERS } from '../quota-error';
import type { JsonSchema } from './json-schema';

/** Statuses every route may answer besides its own: a refused Host/Origin, a wrong method, a bug. */
export const COMMON_STATUSES = [403, 405, 500] as const;

/** What each status means on Aegis' routes, with the `code` values it carries (OpenAI envelope). */
export const STATUS_CODES: Record<number, { description: string; codes: string[] }> = {
  400: {
    description: 'Invalid request: body, field (`param` names it), header, context length or capability.',
    codes: ['invalid_request', 'invalid_json', 'context_length_exceeded', 'capability_not_supported', 'previous_response_not_found'],
  },
  401: { description: 'Missing or unknown API key.', codes: ['missing_api_key', 'invalid_api_key'] },
  403: { description: 'Refused by policy, by role, or a Host/Origin the gateway does not serve.', codes: ['policy_denied', 'permission_denied'] },
  404: { description: 'Unknown model (at the gateway, or the runtime answered 404 for it), stored response or path.', codes: ['model_not_found', 'not_found'] },
  405: { description: 'Known path, wrong method; `Allow` lists the right ones.', codes: ['method_not_allowed'] },
  413: { description: 'Body larger than `server.bodyLimitBytes`.', codes: ['body_too_large'] },
  415: { description: 'Body is not `application/json`.', codes: ['unsupported_media_type'] },
  429: {
    description: 'Queue full, or a quota spent (`Retry-After`; `x-ratelimit-*` for quotas).',
    codes: ['queue_full', 'rate_limited', 'rate_limit_exceeded'],
  },
  500: { description: 'The gateway failed (logged with the request id).', codes: ['internal_error'] },
  502: {
    description: 'Upstream unreachable, failing, or refusing the gateway’s credentials.',
    codes: ['upstream_error', 'upstream_unavailable', 'upstream_auth_failed'],
  },
  503: {
    description: 'Waited too long in the queue, preempted, the model could not load, shutting down, or the runtime itself answered 503 (`Retry-After`).',
    codes: ['queue_timeout', 'preempted', 'model_load_failed', 'insufficient_resources', 'shutting_down', 'upstream_unavailable'],
  },
  504: { description: 'The upstream timed out.', codes: ['upstream_timeout'] },
  529: { description: 'Anthropic’s “overloaded” (Aegis’ 503 on /v1/messages).', codes: [] },
};

/** Anthropic's statuses for Aegis' (src/protocols/messages anthropicStatus): 415 → 400, 503 → 529. */
export function anthropicStatusOf(status: number): number {
  if (status === 415) return 400;
  if (status === 503) return 529;
  return status;
}

export const openAiErrorSchema: JsonSchema = {
  type: 'object',
  description: "OpenAI's error envelope; Aegis' own detail (policy reasons, decision id) rides inside `error`.",
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string' },
        type: {
          type: 'string',
          enum: ['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'rate_limit_error', 'server_error'],
        },
        param: { type: ['string', 'null'] },
        code: { type: 'string' },
        reasons: { type: 'array', items: { type: 'string' }, description: 'Policy reasons, on a denial.' },
        decision_id: { type: 'string', description: 'The policy decision, on a denial.' },
      },
    },
  },
};

export const anthropicErrorSchema: JsonSchema = {
  type: 'object',
  description: "Anthropic's error envelope (docs.anthropic.com/en/api/errors), used on /v1/messages.",
  required: ['type', 'error'],
  properties: {
    type: { const: 'error' },
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: {
        type: {
          type: 'string',
          enum: [
            'invalid_request_error',
            'authentication_error',
            'permission_error',
            'not_found_error',
            'request_too_large',
            'rate_limit_error',
            'api_error',
            'overloaded_error',
            'timeout_error',
          ],
        },
        message: { type: 'string' },
      },
    },
    request_id: { type: 'string' },
  },
};

export type Envelope = 'openai' | 'anthropic';

/** The `responses` entries for `statuses` (plus the common ones) in the route's envelope. */
export function errorResponses(statuses: readonly number[], envelope: Envelope = 'openai'): Record<string, JsonSchema> {
  const all = [...new Set([...statuses, ...COMMON_STATUSES].map((s) => (envelope === 'anthropic' ? anthropicStatusOf(s) : s)))].sort((a, b) => a - b);
  return Object.fromEntries(all.map((s) => [String(s), { $ref: `#/components/responses/${envelope === 'anthropic' ? 'Anthropic' : ''}Error${s}` }]));
}

/** components.responses: one per status and envelope. */
export function errorComponents(): Record<string, JsonSchema> {
  const out: Record<string, JsonSchema> = {};
  for (const [status, { description, codes }] of Object.entries(STATUS_CODES)) {
    const headers: Record<string, JsonSchema> = { 'x-request-id': { $ref: '#/components/headers/RequestId' } };
    if (status === '429' || status === '503' || status === '529') headers['retry-after'] = { $ref: '#/components/headers/RetryAfter' };
    if (status === '405') headers.allow = { $ref: '#/components/headers/Allow' };
    if (status === '403') headers['x-aegis-decision-id'] = { $ref: '#/components/headers/DecisionId' };
    if (status === '429') for (const h of RATE_LIMIT_HEADERS) headers[h] = { $ref: '#/components/headers/RateLimit' };
    const codeList = codes.length > 0 ? ` Codes: ${codes.map((c) => `\`${c}\``).join(', ')}.` : '';
    if (status !== '529') {
      out[`Error${status}`] = {
        description: description + codeList,
        headers,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    out[`AnthropicError${status}`] = {
      description: `${description} (Anthropic's envelope)`,
      headers,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AnthropicError' } } },
    };
  }
  return out;
}

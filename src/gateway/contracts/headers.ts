// The headers Aegis reads and writes beyond HTTP's own: request ids, routing, policy, context
// fitting, what an agent door changed, and rate limits (grep src/gateway for 'x-aegis-').
import { CONTEXT_HEADER } from '../context/report';
import { CLAMPED_HEADER, DROPPED_TOOLS_HEADER } from '../agents/edge';
import type { JsonSchema } from './json-schema';

const text = { type: 'string' };

export const headerComponents: Record<string, JsonSchema> = {
  RequestId: { description: "The request's id: the client's `x-request-id` when it is sane (`[\\w.:-]{1,128}`), else a new one.", schema: text },
  Model: { description: 'The model that served the request, as `name@version`.', schema: text },
  Upstream: { description: 'The upstream (runtime) that served the request.', schema: text },
  DecisionId: { description: 'The policy decision that allowed (or denied) the request.', schema: text },
  Context: {
    description: `What context fitting did: \`tokens=1843; limit=2048; dropped=12; shortened=1; strategy=drop-oldest; counted=local\` (also \`usage.aegis_context\`).`,
    schema: text,
  },
  DroppedTools: { description: 'Tools the model was not offered (hosted tools Aegis cannot run), comma-separated.', schema: text },
  MaxTokensClamped: { description: "`max_tokens` was clamped to the model's context length: `32000 to 8192 (…)`.", schema: text },
  RetryAfter: { description: 'Seconds to wait before retrying.', schema: { type: 'string', pattern: '^[0-9]+$' } },
  Allow: { description: 'The methods the path accepts.', schema: text },
  RateLimit: { description: 'OpenAI-style quota state (limit, remaining, reset) of the key’s requests per minute or tokens per day.', schema: text },
  WwwAuthenticate: { description: 'Basic challenge, so a browser asks for the key (typed as the password).', schema: text },
};

/** Response headers of a served generation (chat, completions, embeddings, Responses, Messages). */
export function exchangeHeaders({ agent = false }: { agent?: boolean } = {}): Record<string, JsonSchema> {
  const headers: Record<string, JsonSchema> = {
    'x-request-id': { $ref: '#/components/headers/RequestId' },
    'x-aegis-model': { $ref: '#/components/headers/Model' },
    'x-aegis-upstream': { $ref: '#/components/headers/Upstream' },
    'x-aegis-decision-id': { $ref: '#/components/headers/DecisionId' },
    [CONTEXT_HEADER]: { $ref: '#/components/headers/Context' },
  };
  if (agent) {
    headers[DROPPED_TOOLS_HEADER] = { $ref: '#/components/headers/DroppedTools' };
    headers[CLAMPED_HEADER] = { $ref: '#/components/headers/MaxTokensClamped' };
  }
  return headers;
}

export const requestIdHeader = { 'x-request-id': { $ref: '#/components/headers/RequestId' } };

export const parameterComponents: Record<string, JsonSchema> = {
  RequestId: { name: 'x-request-id', in: 'header', required: false, description: 'An id to use for this request (echoed back).', schema: text },
  Truncate: {
    name: 'x-aegis-truncate',
    in: 'header',
    required: false,
    description: 'How to fit a prompt that does not fit the model: refuse (`error`), or drop turns (`drop-oldest`, `middle-out`). Other values: 400.',
    schema: { type: 'string', enum: ['error', 'drop-oldest', 'middle-out'] },
  },
  AnthropicVersion: { name: 'anthropic-version', in: 'header', required: false, description: "Accepted and ignored (Anthropic's SDKs send it).", schema: text },
};

export const securitySchemes: Record<string, JsonSchema> = {
  bearer: { type: 'http', scheme: 'bearer', description: 'An Aegis API key (`aegis keys create`), as the OpenAI SDKs send it.' },
  apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key, as the Anthropic SDKs send it.' },
  basic: { type: 'http', scheme: 'basic', description: 'The key as the password (the status page, in a browser).' },
};

/**
 * Keys are needed when any are configured; with none, loopback callers are served anonymously, so
 * every secured operation also lists the empty requirement.
 */
export const keySecurity = [{ bearer: [] }, { apiKey: [] }, {}];

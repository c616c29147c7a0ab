// Every route Aegis may register, as OpenAPI operations keyed by how the app registers it
// (`METHOD path` as in `app.routes`). The document takes only the entries whose route the app
// actually has, so a route mounted conditionally (/mcp) appears exactly when it is mounted.
import { exchangeHeaders, requestIdHeader } from './headers';
import { operation, type Operation } from './operation';

/** OpenAPI path → method → operation. */
export type PathOperations = Record<string, Record<string, Operation>>;

const truncate = { $ref: '#/components/parameters/Truncate' };
const door = [400, 401, 403, 404, 413, 415, 429, 502, 503, 504] as const;
const tags = { openai: ['OpenAI-compatible'], agents: ['Agent APIs'], ops: ['Operations'], admin: ['Admin'], mcp: ['MCP'] };
const streamed = 'With `stream: true`: server-sent events, kept alive with `: …` comments while the request waits (queue, model load).';
const responseId = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const modelId = (what: string) => ({ name: 'model', in: 'path', required: true, description: what, schema: { type: 'string' } });

export const CATALOGUE: Record<string, PathOperations> = {
  'POST /v1/chat/completions': {
    '/v1/chat/completions': {
      post: operation({
        summary: 'Create a chat completion',
        description: `OpenAI Chat Completions. Unknown fields pass through to the runtime. ${streamed} Tools of \`type: mcp\` are run by Aegis (their calls listed in \`aegis_tool_calls\`).`,
        tags: tags.openai,
        body: 'ChatCompletionRequest',
        parameters: [truncate],
        ok: { description: 'The completion, or its stream.', schema: 'ChatCompletion', stream: 'ChatCompletionChunk', headers: exchangeHeaders() },
        errors: door,
      }),
    },
  },
  'POST /v1/completions': {
    '/v1/completions': {
      post: operation({
        summary: 'Create a completion',
        description: `OpenAI (legacy) Completions. ${streamed}`,
        tags: tags.openai,
        body: 'CompletionRequest',
        ok: { description: 'The completion, or its stream.', schema: 'Completion', stream: 'Completion', headers: exchangeHeaders() },
        errors: door,
      }),
    },
  },
  'POST /v1/embeddings': {
    '/v1/embeddings': {
      post: operation({
        summary: 'Create embeddings',
        description: '`encoding_format: base64` is encoded by Aegis (float32).',
        tags: tags.openai,
        body: 'EmbeddingRequest',
        ok: { description: 'The vectors.', schema: 'EmbeddingList', headers: exchangeHeaders() },
        errors: door,
      }),
    },
  },
  'GET /v1/models': {
    '/v1/models': {
      get: operation({
        summary: 'List models',
        description: 'Every routable name and alias, each with the `aegis` extension.',
        tags: tags.openai,
        ok: { description: 'The models.', schema: 'ModelList', headers: requestIdHeader },
        errors: [401],
      }),
    },
  },
  'GET /v1/models/:id{.+}': {
    '/v1/models/{id}': {
      get: operation({
        summary: 'Get a model',
        description: 'By name, alias or `name@version` (the id may contain `/`).',
        tags: tags.openai,
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        ok: { description: 'The model.', schema: 'Model', headers: requestIdHeader },
        errors: [401, 404],
      }),
    },
  },
  'POST /v1/responses': {
    '/v1/responses': {
      post: operation({
        summary: 'Create a response',
        description: `OpenAI Responses API, translated onto a chat exchange; \`store\` and \`previous_response_id\` work. ${streamed} Streams use named events and end with \`response.completed\` (or \`response.failed\`), without \`[DONE]\`.`,
        tags: tags.agents,
        body: 'ResponsesRequest',
        parameters: [truncate],
        ok: {
          description: 'The response, or its event stream.',
          schema: 'Response',
          stream: 'Response stream event',
          headers: exchangeHeaders({ agent: true }),
        },
        errors: door,
      }),
    },
  },
  'GET /v1/responses/:id': {
    '/v1/responses/{id}': {
      get: operation({
        summary: 'Get a stored response',
        description: 'Only the key that created it sees it.',
        tags: tags.agents,
        parameters: [responseId],
        ok: { description: 'The response.', schema: 'Response', headers: requestIdHeader },
        errors: [401, 404],
      }),
    },
  },
  'DELETE /v1/responses/:id': {
    '/v1/responses/{id}': {
      delete: operation({
        summary: 'Delete a stored response',
        tags: tags.agents,
        parameters: [responseId],
        ok: { description: 'Deleted.', schema: 'ResponseDeleted', headers: requestIdHeader },
        errors: [401, 404],
      }),
    },
  },
  'GET /v1/responses/:id/input_items': {
    '/v1/responses/{id}/input_items': {
      get: operation({
        summary: "List a stored response's input items",
        tags: tags.agents,
        parameters: [
          responseId,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'], default: 'desc' } },
          { name: 'after', in: 'query', description: 'An item id.', schema: { type: 'string' } },
        ],
        ok: { description: 'One page of items.', schema: 'InputItemList', headers: requestIdHeader },
        errors: [400, 401, 404],
      }),
    },
  },
  'POST /v1/messages': {
    '/v1/messages': {
      post: operation({
        summary: 'Create a message (Anthropic Messages)',
        description: `Anthropic's Messages API, translated onto a chat exchange; every failure in Anthropic's envelope and statuses (503 → 529). ${streamed} Streams use Anthropic's named events.`,
        tags: tags.agents,
        body: 'MessagesRequest',
        parameters: [truncate, { $ref: '#/components/parameters/AnthropicVersion' }],
        ok: { description: 'The message, or its event stream.', schema: 'Message', stream: 'Messages stream event', headers: exchangeHeaders({ agent: true }) },
        errors: door,
        envelope: 'anthropic',
      }),
    },
  },
  'POST /v1/messages/count_tokens': {
    '/v1/messages/count_tokens': {
      post: operation({
        summary: 'Count the tokens of a message request',
        description: 'An estimate (four characters a token, tools included).',
        tags: tags.agents,
        body: 'CountTokensRequest',
        parameters: [{ $ref: '#/components/parameters/AnthropicVersion' }],
        ok: { description: 'The count.', schema: 'TokenCount', headers: requestIdHeader },
        errors: [400, 401, 404, 413, 415],
        envelope: 'anthropic',
      }),
    },
  },
  'GET /healthz': {
    '/healthz': {
      get: operation({ summary: 'Liveness', tags: tags.ops, security: 'none', ok: { description: 'The process is up.', schema: 'Health' }, errors: [] }),
    },
  },
  'GET /readyz': {
    '/readyz': {
      get: operation({
        summary: 'Readiness',
        description: 'Config loaded and upstreams reachable; 503 (same body, `not_ready`) otherwise.',
        tags: tags.ops,
        security: 'none',
        ok: { description: 'Ready.', schema: 'Readiness' },
        errors: [],
        responses: { '503': { description: 'Not ready.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } } },
      }),
    },
  },
  'GET /metrics': {
    '/metrics': {
      get: operation({
        summary: 'Prometheus metrics',
        description: 'The exposition format (`aegis_*`). A key with role `admin` or `metrics` when `metrics.requireKey`.',
        tags: tags.ops,
        security: [{}, { bearer: [] }, { apiKey: [] }],
        ok: { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } },
        errors: [401],
      }),
    },
  },
  'GET /status': {
    '/status': {
      get: operation({
        summary: 'Status page',
        description: 'A live page for people; the admin role when keys are configured (the key may come as a Basic password).',
        tags: tags.ops,
        security: [{ bearer: [] }, { apiKey: [] }, { basic: [] }, {}],
        ok: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } },
        errors: [401],
      }),
    },
  },
  'GET /status.json': {
    '/status.json': {
      get: operation({
        summary: 'Status document',
        description: 'What the status page polls: models, memory, queues, loads, upstreams, spool, recent errors.',
        tags: tags.ops,
        security: [{ bearer: [] }, { apiKey: [] }, { basic: [] }, {}],
        ok: { description: 'The status.', content: { 'application/json': { schema: { type: 'object' } } } },
        errors: [401],
      }),
    },
  },
  'GET /openapi.json': {
    '/openapi.json': {
      get: operation({
        summary: 'This document',
        tags: tags.ops,
        security: 'none',
        ok: { description: 'OpenAPI 3.1 of the routes this gateway serves.', content: { 'application/json': { schema: { type: 'object' } } } },
        errors: [],
      }),
    },
  },
  'GET /admin/ps': {
    '/admin/ps': {
      get: operation({
        summary: 'Scheduler state',
        description: 'Loaded models, leases, queues and budgets (admin role). 404 when the scheduler is off.',
        tags: tags.admin,
        ok: { description: 'The state.', content: { 'application/json': { schema: { type: 'object' } } }, headers: requestIdHeader },
        errors: [401, 404],
      }),
    },
  },
  'POST /admin/models/*': {
    '/admin/models/{model}/load': {
      post: operation({
        summary: 'Load a model',
        tags: tags.admin,
        parameters: [modelId('Name, alias or name@version (URL-encoded).')],
        ok: { description: 'Loaded.', schema: 'AdminAction', headers: requestIdHeader },
        errors: [401, 404, 502, 503, 504],
      }),
    },
    '/admin/models/{model}/unload': {
      post: operation({
        summary: 'Unload a model',
        tags: tags.admin,
        parameters: [modelId('Name, alias or name@version (URL-encoded).')],
        ok: { description: 'Unloaded.', schema: 'AdminAction', headers: requestIdHeader },
        errors: [401, 404, 502, 503, 504],
      }),
    },
  },
  // Registered as `app.all('/mcp')` when the gateway serves MCP (streamable HTTP transport).
  'ALL /mcp': {
    '/mcp': Object.fromEntries(
      (
        [
          ['post', 'Send a JSON-RPC message', 'One JSON-RPC request, notification or response; the answer is JSON or an SSE stream (202 for notifications).'],
          ['get', 'Open the server-to-client stream', 'Server-sent events for a session (MCP streamable HTTP).'],
          ['delete', 'End a session', 'Ends the MCP session named by `mcp-session-id`.'],
        ] as const
      ).map(([method, summary, description]) => [
        method,
        operation({
          summary,
          description: `Aegis as an MCP server (models as tools), behind the same keys as /v1. ${description}`,
          tags: tags.mcp,
          ok: {
            description: 'The JSON-RPC answer or event stream.',
            content: { 'application/json': { schema: { type: 'object' } }, 'text/event-stream': { schema: { type: 'string' } } },
            headers: requestIdHeader,
          },
          errors: [401],
          responses: {
            '4XX': {
              description: 'A transport or protocol error, as a JSON-RPC error object.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
          extra:
            method === 'post'
              ? { requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', description: 'JSON-RPC 2.0' } } } } }
              : {},
        }),
      ]),
    ),
  },
};

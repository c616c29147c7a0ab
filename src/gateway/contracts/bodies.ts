// components.schemas: request bodies from the zod schemas the routes validate with, and the
// answers (OpenAI's and Anthropic's objects, with Aegis' extensions) written out by hand, since the
// code builds those as TypeScript types, not schemas.
import { chatRequestSchema, completionRequestSchema, embeddingRequestSchema } from '../../core';
import { messages, responses } from '../../protocols';
import { anthropicErrorSchema, openAiErrorSchema } from './errors';
import { jsonSchemaOf, type JsonSchema } from './json-schema';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' };
const int = { type: 'integer' };
const obj = (properties: Record<string, unknown>, required: string[] = Object.keys(properties), extra: JsonSchema = {}) => ({
  type: 'object',
  properties,
  required,
  ...extra,
});

const usage = obj(
  {
    prompt_tokens: int,
    completion_tokens: int,
    total_tokens: int,
    prompt_tokens_details: { type: ['object', 'null'] },
    completion_tokens_details: { type: ['object', 'null'] },
    aegis_context: ref('AegisContextUsage'),
  },
  ['prompt_tokens', 'completion_tokens', 'total_tokens'],
);

const toolCall = obj({ id: str, type: { const: 'function' }, function: obj({ name: str, arguments: str }) });

const aegisToolCalls = {
  type: 'array',
  description: 'Calls of MCP tools Aegis ran server-side in this exchange (present when MCP tools were used); the client never sees them as tool_calls.',
  items: { type: 'object' },
};

const responseSchemas: Record<string, JsonSchema> = {
  Usage: usage,
  AegisContextUsage: obj(
    {
      prompt_tokens: int,
      context_length: { type: ['integer', 'null'] },
      context_length_source: { type: ['string', 'null'] },
      prompt_budget: { type: ['integer', 'null'] },
      reserved_tokens: int,
      dropped_messages: int,
      shortened_messages: int,
      dropped_tokens: int,
      strategy: str,
      counted: str,
    },
    [],
    { description: 'What context fitting did for this request (Aegis extension; the `x-aegis-context` header in numbers).' },
  ),
  ChatCompletion: obj(
    {
      id: str,
      object: { const: 'chat.completion' },
      created: int,
      model: str,
      choices: {
        type: 'array',
        items: obj(
          {
            index: int,
            message: obj({ role: { const: 'assistant' }, content: { type: ['string', 'null'] }, tool_calls: { type: 'array', items: toolCall } }, [
              'role',
              'content',
            ]),
            finish_reason: { type: ['string', 'null'] },
          },
          ['index', 'message', 'finish_reason'],
        ),
      },
      usage: ref('Usage'),
      aegis_tool_calls: aegisToolCalls,
    },
    ['id', 'object', 'created', 'model', 'choices'],
  ),
  ChatCompletionChunk: obj(
    {
      id: str,
      object: { const: 'chat.completion.chunk' },
      created: int,
      model: str,
      choices: { type: 'array', items: obj({ index: int, delta: { type: 'object' }, finish_reason: { type: ['string', 'null'] } }) },
      usage: { anyOf: [ref('Usage'), { type: 'null' }] },
      aegis_tool_calls: aegisToolCalls,
    },
    ['id', 'object', 'created', 'model', 'choices'],
    {
      description: 'One `data:` event of a chat stream; the stream ends with `data: [DONE]`, a failure after the start with `data: {"error":…}` then `[DONE]`.',
    },
  ),
  Completion: obj(
    {
      id: str,
      object: { const: 'text_completion' },
      created: int,
      model: str,
      choices: { type: 'array', items: obj({ index: int, text: str, finish_reason: { type: ['string', 'null'] } }) },
      usage: { anyOf: [ref('Usage'), { type: 'null' }] },
    },
    ['id', 'object', 'created', 'model', 'choices'],
  ),
  EmbeddingList: obj({
    object: { const: 'list' },
    data: {
      type: 'array',
      items: obj({
        object: { const: 'embedding' },
        index: int,
        embedding: {
          anyOf: [
            { type: 'array', items: { type: 'number' } },
            { type: 'string', description: 'base64 of little-endian float32' },
          ],
        },
      }),
    },
    model: str,
    usage: obj({ prompt_tokens: int, total_tokens: int }),
  }),
  Model: obj(
    {
      id: str,
      object: { const: 'model' },
      created: int,
      owned_by: str,
      aegis: obj(
        {
          name: str,
          version: str,
          alias_of: str,
          aliases: { type: 'array', items: str },
          upstream: str,
          upstream_model: str,
          loaded: { type: ['boolean', 'null'] },
          context_length: { type: ['integer', 'null'] },
          context_length_source: { type: ['string', 'null'] },
          capabilities: { type: 'object' },
          endpoints: { type: 'array', items: str, description: 'The front doors the model can be used through.' },
          priority: str,
          pinned: { type: 'boolean' },
          status: str,
          source: str,
        },
        ['name', 'version', 'upstream', 'capabilities', 'endpoints'],
        { description: 'Aegis extension: what the gateway knows of the model.' },
      ),
    },
    ['id', 'object', 'created', 'owned_by', 'aegis'],
  ),
  ModelList: obj({ object: { const: 'list' }, data: { type: 'array', items: ref('Model') } }),
  Response: obj(
    {
      id: str,
      object: { const: 'response' },
      created_at: int,
      status: { enum: ['in_progress', 'completed', 'incomplete', 'failed'] },
      error: { type: ['object', 'null'] },
      model: str,
      output: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: str } } },
      usage: { type: ['object', 'null'] },
      previous_response_id: { type: ['string', 'null'] },
    },
    ['id', 'object', 'created_at', 'status', 'model', 'output'],
    { description: 'A Responses API response (platform.openai.com/docs/api-reference/responses), with the parameters it ran with.' },
  ),
  ResponseDeleted: obj({ id: str, object: { const: 'response' }, deleted: { const: true } }),
  InputItemList: obj({
    object: { const: 'list' },
    data: { type: 'array', items: { type: 'object' } },
    first_id: { type: ['string', 'null'] },
    last_id: { type: ['string', 'null'] },
    has_more: { type: 'boolean' },
  }),
  Message: obj(
    {
      id: str,
      type: { const: 'message' },
      role: { const: 'assistant' },
      model: str,
      content: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { enum: ['text', 'thinking', 'tool_use'] } } } },
      stop_reason: { type: ['string', 'null'] },
      stop_sequence: { type: ['string', 'null'] },
      usage: obj({ input_tokens: int, output_tokens: int, cache_creation_input_tokens: int, cache_read_input_tokens: int }),
    },
    undefined,
    { description: 'An Anthropic Messages message (docs.anthropic.com/en/api/messages).' },
  ),
  TokenCount: obj({ input_tokens: int }, undefined, { description: 'The prompt size as the gateway estimates it.' }),
  Health: obj({ status: { const: 'ok' } }),
  Readiness: obj({ status: { enum: ['ready', 'not_ready'] }, checks: { type: 'object' } }),
  AdminAction: obj({ model: str, version: str, action: { enum: ['load', 'unload'] }, result: {} }, ['model', 'version', 'action']),
};

/** Every schema of the document's components. */
export function bodySchemas(): Record<string, JsonSchema> {
  return {
    ChatCompletionRequest: jsonSchemaOf(chatRequestSchema),
    CompletionRequest: jsonSchemaOf(completionRequestSchema),
    EmbeddingRequest: jsonSchemaOf(embeddingRequestSchema),
    ResponsesRequest: jsonSchemaOf(responses.responsesRequestSchema),
    MessagesRequest: jsonSchemaOf(messages.messagesRequestSchema),
    CountTokensRequest: jsonSchemaOf(messages.countTokensRequestSchema),
    Error: openAiErrorSchema,
    AnthropicError: anthropicErrorSchema,
    ...responseSchemas,
  };
}

// OpenAI wire types and request schemas. Validation checks the types of the fields Aegis reads and
// passes unknown fields through, because local runtimes accept extras (top_k, ttl, keep_alive…).
import { z } from 'zod';

const content = z.union([z.string(), z.array(z.looseObject({ type: z.string() })), z.null()]);

export const chatMessageSchema = z.looseObject({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: content.optional(),
  name: z.string().optional(),
  tool_call_id: z.string().optional(),
  tool_calls: z
    .array(
      z.looseObject({
        id: z.string(),
        type: z.literal('function'),
        function: z.looseObject({ name: z.string(), arguments: z.string() }),
      }),
    )
    .optional(),
});

export const toolSchema = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/**
 * An MCP server a request asks Aegis to bring in (OpenAI's Responses shape, as LiteLLM accepts it
 * in chat requests): the gateway replaces it with the server's tools and runs their calls itself.
 * Checked in detail by src/mcp (request-tools.ts), which owns what each field may say.
 */
export const mcpToolSchema = z.looseObject({
  type: z.literal('mcp'),
  server_label: z.string().min(1),
  allowed_tools: z
    .union([z.array(z.string()), z.looseObject({ tool_names: z.array(z.string()).optional() })])
    .nullable()
    .optional(),
  require_approval: z.unknown().optional(),
  server_url: z.string().optional(),
});

const stop = z
  .union([z.string(), z.array(z.string())])
  .nullable()
  .optional();
const positiveInt = z.number().int().positive();

const sampling = {
  model: z.string().min(1),
  max_tokens: positiveInt.nullable().optional(),
  max_completion_tokens: positiveInt.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(1, 'n > 1 is not supported by local runtimes').nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullable().optional(),
  stop,
  seed: z.number().int().nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  user: z.string().optional(),
};

export const chatRequestSchema = z.looseObject({
  ...sampling,
  messages: z.array(chatMessageSchema).min(1),
  tools: z.array(z.discriminatedUnion('type', [toolSchema, mcpToolSchema])).optional(),
  tool_choice: z.union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.literal('function') })]).optional(),
  response_format: z.looseObject({ type: z.string() }).nullable().optional(),
});

export const completionRequestSchema = z.looseObject({
  ...sampling,
  prompt: z.union([z.string(), z.array(z.string()).min(1)]),
  echo: z.boolean().nullable().optional(),
});

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()).min(1), z.array(z.number()), z.array(z.array(z.number()))]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: positiveInt.optional(),
  user: z.string().optional(),
  // Embeddings are never streamed (OpenAI has no such option); without this the gateway took
  // `stream: true` at its word and blamed the upstream's whole answer with a 502.
  stream: z.union([z.literal(false), z.null()], { error: 'embeddings cannot be streamed; omit stream or set it to false' }).optional(),
});

export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type CompletionRequest = z.infer<typeof completionRequestSchema>;
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;
export type ToolDefinition = z.infer<typeof toolSchema>;
export type McpToolRequest = z.infer<typeof mcpToolSchema>;

/** A function tool, as opposed to an MCP server entry (which stage 4a replaces with its tools). */
export const isFunctionTool = (tool: ToolDefinition | McpToolRequest): tool is ToolDefinition => tool.type === 'function';

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Prompt tokens served from the runtime's prompt cache, where it reports them (llama.cpp, vLLM). */
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

/** `b` added to `a` (the usage of two model calls as one); the token details are not summed. */
export function addUsage(a: Usage | undefined, b: Usage): Usage {
  if (!a) return b;
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: {
    index: number;
    message: { role: 'assistant'; content: string | null; tool_calls?: ToolCall[]; [k: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }[];
  usage?: Usage;
  system_fingerprint?: string | null;
  [k: string]: unknown;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: {
    index: number;
    delta: { role?: 'assistant'; content?: string | null; tool_calls?: ToolCallDelta[]; [k: string]: unknown };
    finish_reason: string | null;
    logprobs?: unknown;
  }[];
  usage?: Usage | null;
  [k: string]: unknown;
}

export interface Completion {
  id: string;
  object: 'text_completion';
  created: number;
  model: string;
  choices: { index: number; text: string; finish_reason: string | null; logprobs?: unknown }[];
  usage?: Usage | null;
  [k: string]: unknown;
}

export interface EmbeddingResponse {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** The first schema issue as a message and a `param` path, the way OpenAI reports bad fields. */
export function describeIssue(error: z.ZodError): { message: string; param: string } {
  const issue = error.issues[0]!;
  const param = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return { message: `Invalid value for '${param || 'body'}': ${issue.message}`, param };
}

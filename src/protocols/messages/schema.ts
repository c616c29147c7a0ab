// The request body of POST /v1/messages (Anthropic Messages). Unknown top-level, block and tool
// fields are accepted and ignored: Claude Code 2.1 sends `context_management`, `output_config`,
// `thinking: {type: "adaptive"}` and `defer_loading` on tools, and a refusal would stop it.
import { z } from 'zod';

export const blockSchema = z.looseObject({ type: z.string() });

export const anthropicMessageSchema = z.looseObject({
  // Claude Code 2.1 also sends system messages inside `messages`; they count as system text.
  role: z.enum(['user', 'assistant', 'system']),
  content: z.union([z.string(), z.array(blockSchema)]),
});

export const anthropicToolSchema = z.looseObject({
  name: z.string().min(1),
  type: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  input_schema: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1),
  // Required, as Anthropic requires it: a client that omits it gets the same 400 it would get there.
  max_tokens: z.number().int().positive(),
  messages: z.array(anthropicMessageSchema).min(1),
  system: z
    .union([z.string(), z.array(blockSchema)])
    .nullable()
    .optional(),
  stop_sequences: z.array(z.string()).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  temperature: z.number().min(0).max(1).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  top_k: z.number().int().nonnegative().nullable().optional(),
  tools: z.array(anthropicToolSchema).nullable().optional(),
  tool_choice: z.looseObject({ type: z.string(), name: z.string().optional(), disable_parallel_tool_use: z.boolean().optional() }).nullable().optional(),
  metadata: z.looseObject({ user_id: z.string().nullable().optional() }).nullable().optional(),
  thinking: z.looseObject({ type: z.string() }).nullable().optional(),
});

/** count_tokens takes the same prompt fields, without max_tokens. */
export const countTokensRequestSchema = messagesRequestSchema.omit({ max_tokens: true }).extend({ max_tokens: z.number().int().positive().optional() });

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;
export type AnthropicBlock = z.infer<typeof blockSchema>;
export type AnthropicTool = z.infer<typeof anthropicToolSchema>;

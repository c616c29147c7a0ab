// The request body of POST /v1/responses. Like the chat schema it checks the types of the fields
// Aegis reads and lets everything else through: agents send fields a local gateway has no use for
// (`include`, `prompt_cache_key`, `client_metadata`, `reasoning`), and refusing them stops the agent.
import { z } from 'zod';

/** Any input item: its shape is checked per type when it is translated (request.ts). */
export const inputItemSchema = z.looseObject({ type: z.string().optional(), role: z.string().optional() });

export const responsesToolSchema = z.looseObject({ type: z.string(), name: z.string().optional() });

export const responsesRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(inputItemSchema)]).optional(),
  instructions: z.string().nullable().optional(),
  max_output_tokens: z.number().int().positive().nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  store: z.boolean().nullable().optional(),
  previous_response_id: z.string().min(1).nullable().optional(),
  tools: z.array(responsesToolSchema).nullable().optional(),
  tool_choice: z
    .union([z.enum(['none', 'auto', 'required']), z.looseObject({ type: z.string() })])
    .nullable()
    .optional(),
  parallel_tool_calls: z.boolean().nullable().optional(),
  text: z
    .looseObject({ format: z.looseObject({ type: z.string() }).nullable().optional() })
    .nullable()
    .optional(),
  reasoning: z.looseObject({ effort: z.string().nullable().optional(), summary: z.string().nullable().optional() }).nullable().optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  user: z.string().nullable().optional(),
  truncation: z.string().nullable().optional(),
  background: z.boolean().nullable().optional(),
  conversation: z.unknown().optional(),
});

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
export type InputItem = z.infer<typeof inputItemSchema>;
export type ResponsesTool = z.infer<typeof responsesToolSchema>;

// The item shapes the translation reads, checked one item at a time so an error names its index.
const text = z.string();
export const contentPartSchema = z.looseObject({ type: z.string() });
export const messageItemSchema = z.looseObject({
  role: z.enum(['user', 'assistant', 'system', 'developer']),
  content: z.union([text, z.array(contentPartSchema)]),
});
export const functionCallItemSchema = z.looseObject({
  call_id: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().nullable().optional(),
  arguments: z.string(),
});
export const callOutputItemSchema = z.looseObject({
  call_id: z.string().min(1),
  output: z.union([text, z.array(contentPartSchema)]),
});
export const customToolCallItemSchema = z.looseObject({
  call_id: z.string().min(1),
  name: z.string().min(1),
  namespace: z.string().nullable().optional(),
  input: z.string(),
});

export const functionToolSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  strict: z.boolean().nullable().optional(),
});
export const customToolSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  format: z.looseObject({ type: z.string(), syntax: z.string().optional(), definition: z.string().optional() }).nullable().optional(),
});
export const namespaceToolSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  tools: z.array(responsesToolSchema),
});

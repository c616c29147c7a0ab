// The tools Aegis offers over MCP at `/mcp`: their names, descriptions, input schemas (JSON Schema
// for tools/list, zod for the arguments a call brings) and what each one's arguments parse into.
import { z } from 'zod';

const message = z.object({ role: z.enum(['system', 'developer', 'user', 'assistant']), content: z.string() });

export const chatArguments = z
  .object({
    model: z.string().min(1),
    messages: z.array(message).min(1).optional(),
    prompt: z.string().min(1).optional(),
    system: z.string().optional(),
    max_tokens: z.number().int().positive().optional(),
    temperature: z.number().min(0).max(2).optional(),
    /** Returns a task id at once; `task_status` / `task_result` report the answer. */
    async: z.boolean().optional(),
  })
  .refine((a) => (a.messages === undefined) !== (a.prompt === undefined), { message: 'give either `messages` or `prompt`' });

export const ragSearchArguments = z.object({
  query: z.string().min(1),
  k: z.number().int().min(1).max(100).default(5),
  /** Metadata fields a result must have, with these values (e.g. `{ "model": "qwen" }`). */
  filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const consultArguments = z.object({
  document: z.string().min(1),
  model: z.string().min(1),
  max_tokens: z.number().int().positive().optional(),
  temperature: z.number().min(0).max(2).optional(),
});

export const taskArguments = z.object({ task_id: z.string().min(1) });

export const noArguments = z.object({}).passthrough();

export type ChatArguments = z.infer<typeof chatArguments>;
export type RagSearchArguments = z.infer<typeof ragSearchArguments>;
export type ConsultArguments = z.infer<typeof consultArguments>;
export type TaskArguments = z.infer<typeof taskArguments>;

export interface EndpointToolArguments {
  chat: ChatArguments;
  list_models: Record<string, unknown>;
  rag_search: RagSearchArguments;
  consult: ConsultArguments;
  task_status: TaskArguments;
  task_result: TaskArguments;
}

export type EndpointToolName = keyof EndpointToolArguments;

const messagesSchema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    properties: { role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant'] }, content: { type: 'string' } },
    required: ['role', 'content'],
  },
};

/** What tools/list says; built once (the same for every caller: policy decides each call). */
export const endpointTools: readonly { name: EndpointToolName; description: string; inputSchema: Record<string, unknown> & { type: 'object' } }[] = [
  {
    name: 'chat',
    description:
      'Ask a local model. Give `messages` (OpenAI roles) or a `prompt` (with an optional `system`). Returns the answer text and usage. With `async: true` returns a task id at once; fetch the answer with task_result.',
    inputSchema: {
      type: 'object',
      properties: {
        model: { type: 'string', description: 'A model name, alias or name@version (see list_models).' },
        messages: messagesSchema,
        prompt: { type: 'string' },
        system: { type: 'string' },
        max_tokens: { type: 'integer', minimum: 1 },
        temperature: { type: 'number', minimum: 0, maximum: 2 },
        async: { type: 'boolean', description: 'Run as a task that survives this connection.' },
      },
      required: ['model'],
    },
  },
  {
    name: 'list_models',
    description: 'The models you may use, with context length, capabilities and whether each is loaded.',
    inputSchema: { type: 'object', properties: {} },
  },
  {
    name: 'rag_search',
    description: "Search the organisation's memory (recorded exchanges and documents). Returns the k best matches and the method used.",
    inputSchema: {
      type: 'object',
      properties: {
        query: { type: 'string' },
        k: { type: 'integer', minimum: 1, maximum: 100, default: 5 },
        filter: {
          type: 'object',
          description: 'Metadata fields a result must have, with these values.',
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
      },
      required: ['query'],
    },
  },
  {
    name: 'consult',
    description:
      'A local model answers a consultation document (markdown with `type: consultation` front matter). Returns the response document (`type: consultation-response`).',
    inputSchema: {
      type: 'object',
      properties: {
        document: { type: 'string', description: 'The consultation document, front matter included.' },
        model: { type: 'string' },
        max_tokens: { type: 'integer', minimum: 1 },
        temperature: { type: 'number', minimum: 0, maximum: 2 },
      },
      required: ['document', 'model'],
    },
  },
  {
    name: 'task_status',
    description: 'The state of a task an async chat started: running, succeeded or failed, with progress.',
    inputSchema: { type: 'object', properties: { task_id: { type: 'string' } }, required: ['task_id'] },
  },
  {
    name: 'task_result',
    description: "A finished task's answer (an error result while it still runs or when it failed).",
    inputSchema: { type: 'object', properties: { task_id: { type: 'string' } }, required: ['task_id'] },
  },
];

export const endpointArguments: { [K in EndpointToolName]: z.ZodType<EndpointToolArguments[K]> } = {
  chat: chatArguments,
  list_models: noArguments,
  rag_search: ragSearchArguments,
  consult: consultArguments,
  task_status: taskArguments,
  task_result: taskArguments,
};

export const isEndpointTool = (name: string): name is EndpointToolName => Object.hasOwn(endpointArguments, name);

// The `tools` section of aegis.yaml, owned here and composed by src/config: how Aegis serves tool
// calls to models whose runtime has no native support (capabilities.tools: emulated).
import { z } from 'zod';

export const toolsConfigSchema = z.strictObject({
  /**
   * How emulated calls are decoded: `constrained` under a JSON schema built from the tools wherever
   * the runtime takes one (Ollama `format`, llama.cpp `response_format`), so even a tiny model
   * writes a valid call; `lenient` lets the model write freely and parses what it wrote.
   */
  decoding: z.enum(['constrained', 'lenient']).default('constrained'),
  /**
   * Where the emulated tool instructions go: the first user message (every template renders it;
   * Gemma's templates and Ollama's `{{ .Prompt }}` drop system messages) or a system message.
   */
  instructions: z.enum(['user', 'system']).default('user'),
  /** One constrained retry when a freely decoded call is invalid (else it is returned as content). */
  retry: z.boolean().default(true),
  /** Most calls one constrained answer may hold (1 when a request sets parallel_tool_calls: false). */
  maxCalls: z.number().int().min(1).max(64).default(8),
});

export type ToolsConfig = z.infer<typeof toolsConfigSchema>;

export const defaultToolsConfig: ToolsConfig = toolsConfigSchema.parse({});

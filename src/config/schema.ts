// The aegis.yaml schema with its defaults. Every key is optional: an empty file is a valid config.
import { z } from 'zod';
// Subsystems own their sections; these files import nothing but zod and their own folder.
import { contextConfigSchema, modelContextSchema } from '../context/config-schema';
import { integrationsConfigSchema } from '../integrations/config-schema';
import { mcpConfigSchema } from '../mcp/config-schema';
import { metricsConfigSchema } from '../metrics/config-schema';
import { policyConfigSchema } from '../policy/config-schema';
import { mongodbConfigSchema, ragConfigSchema } from '../rag/config-schema';
import { schedulerConfigSchema } from '../scheduler/config-schema';
import { toolsConfigSchema } from '../tools/config-schema';

const duration = z.number().int().nonnegative();

export const timeoutsSchema = z.strictObject({
  connectMs: duration.default(5_000),
  /** Time to the response headers: covers a cold model load on runtimes that load on demand. */
  headersMs: duration.default(300_000),
  /** Maximum gap between body chunks (not the total duration of a stream). */
  bodyMs: duration.default(120_000),
  healthMs: duration.default(2_000),
});

export const managedSchema = z.strictObject({
  /** Argument vector; `${PORT}`, `${MODEL_PATH}`, `${MODEL}` and `${CONTEXT}` are substituted. A string is split on spaces. */
  command: z.union([z.string().min(1), z.array(z.string()).min(1)]),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  healthPath: z.string().default('/v1/models'),
  startupTimeoutMs: duration.default(120_000),
  stopGraceMs: duration.default(5_000),
  restart: z
    .strictObject({ maxRestarts: z.number().int().nonnegative().default(5), backoffMs: duration.default(500), maxBackoffMs: duration.default(30_000) })
    .prefault({}),
});

export const upstreamSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
  type: z.enum(['openai', 'ollama', 'lmstudio', 'managed']),
  /** Base URL (without /v1). Managed runners get theirs from the allocated port. */
  url: z.url().optional(),
  apiKey: z.string().optional(),
  timeouts: timeoutsSchema.prefault({}),
  /** What to do with the upstream request when the client disconnects. */
  onDisconnect: z.enum(['cancel', 'drain']).default('cancel'),
  discover: z.boolean().default(true),
  /**
   * Generation requests the upstream receives at once, per origin (per model for managed runners).
   * The scheduler never leases more than this to the upstream's models together; the default
   * `parallel` of a model Aegis does not load is this number.
   */
  connections: z.number().int().positive().default(64),
  /** Ollama: keep_alive sent with each request when the model entry has no ttl. */
  keepAlive: z.union([z.string(), z.number()]).optional(),
  managed: managedSchema.optional(),
  /**
   * How the runtime takes a JSON schema for constrained output (emulated tool calls, clients'
   * json_schema response formats): OpenAI's `json_schema` response format, or `json_object` with a
   * `schema` (the only form llama-cpp-python accepts; llama-server takes both). Unset: json_object
   * for openai and managed upstreams, json_schema for lmstudio; Ollama's `format` is always used.
   */
  structuredOutput: z.enum(['json_schema', 'json_object']).optional(),
  /**
   * Message shapes sent to OpenAI-compatible upstreams (openai, lmstudio, managed). The defaults
   * are what every runtime accepts: llama-cpp-python refuses developer messages, content given
   * as text parts, and an assistant turn whose content is null beside its tool calls. `keep` sends the client's shapes to runtimes that take them. Ollama's native API
   * always gets the safe shapes.
   */
  messages: z
    .strictObject({
      /** `system`: a developer message is sent as a system message (OpenAI's older name for it). */
      developerRole: z.enum(['system', 'keep']).default('system'),
      /** `join`: content made of text parts only is sent as one string, the parts joined by newlines. */
      textParts: z.enum(['join', 'keep']).default('join'),
      /** `empty`: an assistant turn that only calls tools is sent with content "" instead of null. */
      toolCallContent: z.enum(['empty', 'keep']).default('empty'),
    })
    .prefault({}),
});

export const capabilitiesSchema = z.strictObject({
  chat: z.boolean().default(true),
  completion: z.boolean().default(true),
  embeddings: z.boolean().default(false),
  /**
   * How the model takes tools: `native` (the runtime's own tool calling), `emulated` (Aegis renders
   * the tools into the prompt and parses the calls), `none` (requests with tools are refused).
   * Unset: detected (Ollama /api/show, LM Studio model info, the GGUF chat template), else emulated.
   */
  tools: z.enum(['native', 'emulated', 'none']).optional(),
  vision: z.boolean().default(false),
});

export const modelSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().default('1'),
  aliases: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
  upstream: z.string(),
  upstreamModel: z.string().optional(),
  path: z.string().optional(),
  format: z.string().optional(),
  contextLength: z.number().int().positive().optional(),
  /** How this model's prompts are fitted into its context window (overrides the `context` section). */
  context: modelContextSchema.optional(),
  capabilities: capabilitiesSchema.prefault({}),
  priority: z.string().default('standard'),
  ttlSeconds: z.number().nonnegative().optional(),
  pinned: z.boolean().default(false),
  parallel: z.number().int().positive().optional(),
  footprint: z.strictObject({ ramBytes: z.number().nonnegative(), vramBytes: z.number().nonnegative().default(0) }).optional(),
  status: z.enum(['active', 'deprecated', 'retired']).default('active'),
});

export const keySchema = z.strictObject({
  id: z.string().min(1),
  name: z.string().default(''),
  /** `sha256:<hex>` of the secret; the secret itself is never stored. */
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex digits>'),
  roles: z.array(z.string()).default([]),
});

export const configSchema = z.strictObject({
  server: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(4000),
      bodyLimitBytes: z
        .number()
        .int()
        .positive()
        .default(8 * 1024 * 1024),
      shutdownGraceMs: duration.default(10_000),
      /** Interval of SSE keep-alive comments while a streamed request waits (model load, queue). */
      keepAliveMs: duration.default(5_000),
      /**
       * Host names (without port) requests may be addressed to, besides loopback names. Stops DNS
       * rebinding: a web page whose name resolves to this machine still sends its own name. Unset,
       * a gateway bound beyond loopback accepts any host (every caller needs a key there).
       */
      allowedHosts: z.array(z.string().min(1).toLowerCase()).optional(),
      /** Origins (`https://app.example`) whose web pages may call the gateway; `"*"` for any. */
      allowedOrigins: z.array(z.string().min(1).toLowerCase()).default([]),
      /**
       * Also listen on this Unix socket path or Windows named pipe (`\\.\pipe\aegis`): the same
       * routes and keys, for agents on the same host. Its callers count as local (loopback).
       */
      socket: z.string().min(1).optional(),
    })
    .prefault({}),
  auth: z
    .strictObject({
      keys: z.array(keySchema).default([]),
      /** A YAML/JSON file with more keys (same shape), e.g. managed by `aegis keys`. */
      keysFile: z.string().optional(),
      /** With no keys configured, give anonymous loopback callers the admin role too. */
      anonymousAdmin: z.boolean().default(false),
    })
    .prefault({}),
  upstreams: z.array(upstreamSchema).default([]),
  models: z.array(modelSchema).default([]),
  discovery: z.strictObject({ intervalMs: duration.default(30_000) }).prefault({}),
  logging: z
    .strictObject({
      level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
      /** Prompt and answer text in logs: off unless an operator turns it on. */
      prompts: z.boolean().default(false),
    })
    .prefault({}),
  /** The Responses API's stored responses (`store: true`, `previous_response_id`, GET/DELETE). */
  responses: z
    .strictObject({
      /**
       * The in-memory store used unless a durable one is wired: bounded, least recently used first
       * out, and empty again after a restart.
       */
      store: z
        .strictObject({
          maxResponses: z.number().int().positive().default(10_000),
          /** Approximate size of the stored responses (as JSON). */
          maxBytes: z
            .number()
            .int()
            .positive()
            .default(64 * 1024 * 1024),
          /** OpenAI keeps stored responses for 30 days. */
          ttlSeconds: z
            .number()
            .int()
            .positive()
            .default(30 * 24 * 3600),
        })
        .prefault({}),
    })
    .prefault({}),
  scheduler: schedulerConfigSchema.prefault({}),
  context: contextConfigSchema.prefault({}),
  policy: policyConfigSchema.prefault({}),
  rag: ragConfigSchema.prefault({}),
  mongodb: mongodbConfigSchema.prefault({}),
  tools: toolsConfigSchema.prefault({}),
  metrics: metricsConfigSchema.prefault({}),
  mcp: mcpConfigSchema.prefault({}),
  integrations: integrationsConfigSchema,
});

export type AegisConfig = z.infer<typeof configSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type KeyConfig = z.infer<typeof keySchema>;
export type ManagedConfig = z.infer<typeof managedSchema>;
export type TimeoutsConfig = z.infer<typeof timeoutsSchema>;
export type { ContextConfig, ModelContextConfig } from '../context/config-schema';

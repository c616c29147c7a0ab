// The `mcp` section of aegis.yaml, owned here and composed by src/config: the MCP servers Aegis may
// connect to (stdio or streamable HTTP with legacy SSE as a fallback) and the tool loop's limits.
import { z } from 'zod';

const duration = z.number().int().nonnegative();
const positive = z.number().int().positive();

/** Model names or key ids: an exact name, "*", or a prefix ending in "*" (the policy's patterns). */
const patterns = z.array(z.string().min(1)).default([]);

const common = {
  /** What a request's `server_label` and the policy's `mcp` grants call this server. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,48}$/, 'letters, digits, _ and - only, at most 48 characters')
    // `mcp__<server>__<tool>` must say unambiguously where the server's name ends.
    .refine((n) => !n.includes('__'), 'must not contain "__"'),
  /** Tools never offered to a model, whatever the policy grants (mcpo's `disabledTools`). */
  disabledTools: z.array(z.string()).default([]),
  /**
   * Requests for these models, or from these API keys, get the server's tools without naming it in
   * `tools` (the policy still decides; a default server it does not grant is left out silently).
   */
  defaultFor: z.strictObject({ models: patterns, keys: patterns }).prefault({}),
  /** Overrides `mcp.callTimeoutMs` for this server's tools. */
  callTimeoutMs: positive.optional(),
};

const stdioServerSchema = z.strictObject({
  ...common,
  /**
   * Argument vector of the server process, spawned without a shell (the same on Windows). The
   * process gets only a small safe environment (PATH, HOME or the Windows equivalents) plus `env`.
   */
  command: z.array(z.string().min(1)).min(1, 'expected the program and its arguments, e.g. [node, server.js]'),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
});

const httpServerSchema = z.strictObject({
  ...common,
  url: z.url(),
  /** Sent with every request (e.g. `Authorization: Bearer ${env:TOKEN}`). */
  headers: z.record(z.string(), z.string()).default({}),
  /** `auto` tries streamable HTTP and falls back to the legacy HTTP+SSE transport (the SDK's advice). */
  transport: z.enum(['auto', 'streamable-http', 'sse']).default('auto'),
});

export const mcpServerSchema = z.union([stdioServerSchema, httpServerSchema], {
  error: 'an MCP server needs either `command` (stdio) or `url` (streamable HTTP / SSE)',
});

export const mcpConfigSchema = z
  .strictObject({
    servers: z.array(mcpServerSchema).default([]),
    /** Tool rounds one request may run; after the last, the model answers without MCP tools. */
    maxRounds: z.number().int().min(1).max(50).default(5),
    /** Time one tool call may take; progress notifications from the server restart it. */
    callTimeoutMs: positive.default(60_000),
    /** Upper bound of one call however often the server reports progress. */
    maxCallTimeoutMs: positive.default(300_000),
    /** Calls one model answer may ask for; the rest are refused (the model is told). */
    maxCallsPerRound: z.number().int().min(1).max(64).default(8),
    /** Characters of one tool result the model sees; the middle of a longer one is cut. */
    resultMaxChars: z.number().int().min(256).default(8_192),
    /** Time to start a server, initialise the session and list its tools. */
    connectTimeoutMs: positive.default(15_000),
    /** Back-off between failed connection attempts to one server, doubling up to the maximum. */
    reconnect: z.strictObject({ initialDelayMs: duration.default(1_000), maxDelayMs: duration.default(60_000) }).prefault({}),
    /** The MCP server Aegis itself offers at `/mcp` (agents call local models through it). */
    endpoint: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Async tasks (`chat` with `async: true`) kept at once; when all run, a new one is refused. */
        maxTasks: z.number().int().min(1).max(100_000).default(256),
        /** How long a finished task's answer can still be fetched. */
        taskTtlSeconds: z.number().int().positive().default(3_600),
      })
      .prefault({}),
  })
  .superRefine((section, ctx) => {
    const seen = new Set<string>();
    section.servers.forEach((s, i) => {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: ['servers', i, 'name'], message: `duplicate MCP server "${s.name}"` });
      seen.add(s.name);
    });
    if (section.maxCallTimeoutMs < section.callTimeoutMs)
      ctx.addIssue({ code: 'custom', path: ['maxCallTimeoutMs'], message: 'must be at least callTimeoutMs' });
  });

export type McpConfig = z.infer<typeof mcpConfigSchema>;
export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type McpStdioServerConfig = z.infer<typeof stdioServerSchema>;
export type McpHttpServerConfig = z.infer<typeof httpServerSchema>;

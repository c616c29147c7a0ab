// The MCP servers of aegis.yaml as one pool the gateway asks for tool catalogs and tool calls.
// Built once by the composition root; a config reload replaces the servers whose settings changed
// (closing their sessions) and keeps the others connected.
import type { Clock, Logger } from '../core';
import type { McpConfig, McpServerConfig } from './config-schema';
import { McpServer, type Connector, type ServerStatus, type ToolCatalog } from './server';
import type { McpCallOptions, McpCallResult } from './types';

/** The tool loop's limits, as configured (read per request, so a reload applies to the next one). */
export type McpLimits = Pick<McpConfig, 'maxRounds' | 'callTimeoutMs' | 'maxCallTimeoutMs' | 'maxCallsPerRound' | 'resultMaxChars'>;

export interface McpPoolOptions {
  config: McpConfig;
  connect: Connector;
  clock: Clock;
  logger: Logger;
}

/** Pattern language shared with the policy data: an exact name, "*", or a prefix ending in "*". */
export function matchesName(pattern: string, value: string): boolean {
  if (pattern === value || pattern === '*') return true;
  return pattern.endsWith('*') && value.startsWith(pattern.slice(0, -1));
}

const anyDefaults = (config: McpConfig) => config.servers.some((s) => s.defaultFor.models.length > 0 || s.defaultFor.keys.length > 0);

export class McpPool {
  private config: McpConfig;
  private servers = new Map<string, McpServer>();

  constructor(private readonly o: McpPoolOptions) {
    this.config = o.config;
    this.hasDefaults = anyDefaults(o.config);
    for (const s of o.config.servers) this.servers.set(s.name, this.build(s));
  }

  private build(config: McpServerConfig): McpServer {
    return new McpServer({ config, connect: this.o.connect, clock: this.o.clock, logger: this.o.logger, limits: () => this.config });
  }

  get limits(): McpLimits {
    return this.config;
  }

  /** Whether any server is attached to requests by default (else only requests naming one use MCP). */
  hasDefaults = false;

  has(server: string): boolean {
    return this.servers.has(server);
  }

  serverUrl(server: string): string | undefined {
    const config = this.servers.get(server)?.config;
    return config && 'url' in config ? config.url : undefined;
  }

  /** Per-server call timeout (the server's own, else the section's). */
  callTimeoutMs(server: string): number {
    return this.servers.get(server)?.config.callTimeoutMs ?? this.config.callTimeoutMs;
  }

  /** Servers attached to requests for `model` or from key `keyId` without being named in `tools`. */
  defaultServers(model: string, keyId: string): string[] {
    return this.config.servers
      .filter((s) => s.defaultFor.models.some((p) => matchesName(p, model)) || s.defaultFor.keys.some((p) => matchesName(p, keyId)))
      .map((s) => s.name);
  }

  /** The server's tools (see McpServer#tools); throws McpServerUnavailable for an unknown name too. */
  tools(server: string): ToolCatalog | Promise<ToolCatalog> {
    const s = this.servers.get(server);
    if (!s) throw new Error(`unknown MCP server "${server}"`);
    return s.tools();
  }

  call(server: string, tool: string, args: Record<string, unknown>, options: McpCallOptions): Promise<McpCallResult> {
    const s = this.servers.get(server);
    if (!s) return Promise.reject(new Error(`unknown MCP server "${server}"`));
    return s.call(tool, args, options);
  }

  status(): ServerStatus[] {
    return [...this.servers.values()].map((s) => s.status());
  }

  /** Applies a reloaded section: changed or removed servers are closed, new ones added (lazily). */
  async reconfigure(config: McpConfig): Promise<void> {
    const next = new Map<string, McpServer>();
    const retired: McpServer[] = [];
    for (const s of config.servers) {
      const current = this.servers.get(s.name);
      if (current && JSON.stringify(current.config) === JSON.stringify(s)) next.set(s.name, current);
      else next.set(s.name, this.build(s));
    }
    for (const [name, server] of this.servers) if (next.get(name) !== server) retired.push(server);
    this.config = config;
    this.hasDefaults = anyDefaults(config);
    this.servers = next;
    // A call still running on a retired session fails (its model is told); new requests use `next`.
    await Promise.all(retired.map((s) => s.close()));
  }

  async close(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
  }
}

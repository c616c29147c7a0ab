// The MCP bridge's pool for a running gateway: the servers of `mcp.servers` (connected on first
// use, over the SDK), their state as metrics, and their lifecycle across reloads and shutdown.
import type { AegisConfig } from '../config';
import type { Logger } from '../core';
import { connectSdk, McpPool, type Connector } from '../mcp';
import { metricNames } from '../metrics';
import type { RuntimeContext } from './runtime';

/** A pool even without servers, so a reload can add the first one in place (it costs nothing idle). */
export function wireMcp(ctx: RuntimeContext, config: AegisConfig, logger: Logger, connect: Connector = connectSdk): McpPool {
  const pool = new McpPool({ config: config.mcp, connect, clock: ctx.clock, logger: logger.child({ component: 'mcp' }) });
  const status = () => pool.status();
  const m = ctx.metrics;
  m.gaugeFrom(metricNames.mcpServerUp, () => status().map((s) => ({ labels: { server: s.name }, value: s.state === 'ready' ? 1 : 0 })));
  m.gaugeFrom(metricNames.mcpServerTools, () => status().map((s) => ({ labels: { server: s.name }, value: s.tools })));
  m.counterFrom(metricNames.mcpServerConnects, () => status().map((s) => ({ labels: { server: s.name }, value: s.connects })));
  m.counterFrom(metricNames.mcpServerFailures, () => status().map((s) => ({ labels: { server: s.name }, value: s.failures })));
  if (config.mcp.servers.length > 0) logger.info({ servers: config.mcp.servers.map((s) => s.name) }, 'MCP servers configured (connected on first use)');
  return pool;
}

// `/mcp`: the MCP server Aegis offers, behind the same request id, access guard and API keys as
// every /v1 route. The caller the auth middleware found is the principal of every tool call.
import type { Hono } from 'hono';
import { z } from 'zod';
import { readJsonBody } from '../body';
import { mcpEndpoint } from '../../mcp';
import type { McpEndpointSettings } from '../deps';
import type { DoorTarget } from '../routes/serve-door';
import { gatewayBackend } from './backend';

export function mcpEndpointRoutes(app: Hono, target: DoorTarget, settings: McpEndpointSettings): void {
  const endpoint = mcpEndpoint({ backend: gatewayBackend(target, settings), logger: target.deps.logger.child({ component: 'mcp-endpoint' }) });
  const anyJson = z.unknown();
  app.all('/mcp', async (c) => {
    // Read here, within the gateway's body limit and content-type rules, so the endpoint can choose
    // JSON or SSE from what the messages ask for.
    const body = c.req.method === 'POST' ? await readJsonBody(c, anyJson, target.deps.snapshot().options.bodyLimitBytes) : undefined;
    return endpoint.handle(c.req.raw, c.get('principal'), body);
  });
}

// Which MCP servers an exchange uses: those its request names (refused with 403 when the policy
// does not grant them, 400 when Aegis has no such server) and those configured as defaults for its
// model or key (left out silently when the policy does not grant them).
import { GatewayError } from '../../core';
import { matchesName, splitRequestTools, type RequestedServer, type SplitTools } from '../../mcp';
import type { Authorization, GatewayDeps } from '../deps';
import type { Principal } from '../keys';

/** Tool patterns the policy grants for `server` (undefined: no policy, everything). */
export function grantedPatterns(authorization: Authorization<unknown> | undefined, server: string): readonly string[] | undefined {
  const grants = authorization?.mcpServers;
  if (!grants) return undefined;
  return [...(grants[server] ?? []), ...(grants['*'] ?? [])];
}

export interface Selection<T> extends SplitTools<T> {
  /** Every server the exchange uses, explicit ones first. */
  use: RequestedServer[];
}

export function selectServers<T>(
  deps: GatewayDeps,
  request: { tools?: readonly T[]; tool_choice?: unknown },
  model: string,
  principal: Principal,
  authorization: Authorization<unknown> | undefined,
  requestId: string,
): Selection<T> {
  const mcp = deps.mcp;
  const split = splitRequestTools(request.tools, (s) => mcp?.serverUrl(s));
  const use: RequestedServer[] = [];
  for (const asked of split.servers) {
    const patterns = grantedPatterns(authorization, asked.server);
    if (patterns && patterns.length === 0) {
      const reason = `MCP server "${asked.server}" is not allowed for this API key`;
      deps.audit?.({
        type: 'mcp.server',
        actor: principal.id,
        target: asked.server,
        outcome: 'deny',
        requestId,
        decisionId: authorization?.id,
        details: { reasons: [reason] },
      });
      throw new GatewayError('policy_denied', `Denied by policy: ${reason}.`, {
        param: `tools[${asked.index}].server_label`,
        details: { reasons: [reason], decision_id: authorization?.id },
      });
    }
    if (!mcp?.has(asked.server)) {
      throw new GatewayError('invalid_request', `Invalid value for 'tools[${asked.index}].server_label': Aegis has no MCP server "${asked.server}".`, {
        param: `tools[${asked.index}].server_label`,
      });
    }
    use.push(asked);
  }
  // A client that said tool_choice "none" wants no tools: default servers stay out of it.
  if (mcp && request.tool_choice !== 'none') {
    for (const server of mcp.defaultServers(model, principal.id)) {
      if (use.some((u) => u.server === server)) continue;
      const patterns = grantedPatterns(authorization, server);
      if (patterns && patterns.length === 0) continue;
      use.push({ server, allowedTools: undefined, index: -1 });
    }
  }
  return { ...split, use };
}

/** Whether the request and the policy let the exchange offer `tool` of `server`. */
export function toolOffered(server: RequestedServer, patterns: readonly string[] | undefined, tool: string): boolean {
  if (server.allowedTools && !server.allowedTools.includes(tool)) return false;
  return patterns === undefined || patterns.some((p) => matchesName(p, tool));
}

// Stage 4a: the MCP servers an exchange uses (named in `tools` or configured as defaults), checked
// against policy (403 before any model call), and their tools merged into the model's tools as
// `mcp__<server>__<tool>` functions ahead of stage 5, which counts them into the prompt, and stage
// 6, which shapes tools for the model (native or emulated) the same way for MCP tools as for the
// client's. Chat Completions only: agent clients (Codex, Claude Code) run their own tools. Synchronous when every catalog is
// cached; a promise only while a server connects or re-lists its tools. A server that cannot be
// reached takes its tools away, never the request: the model is told.
import { GatewayError } from '../../core';
import { addCatalog, isExposedName, McpToolSet, type ToolCatalog } from '../../mcp';
import type { Authorization } from '../deps';
import type { ExchangeStart, Target } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';
import type { McpPlan } from '../exchange/mcp-plan';
import { unavailableNote, withSystemNote } from '../mcp/note';
import { grantedPatterns, selectServers, toolOffered, type Selection } from '../mcp/select';
import { functionName } from '../mcp/shapes';

export interface McpPrepared<Req extends ClientRequest> {
  request: Req;
  /** Absent when the exchange offers no MCP tool (no tool loop runs). */
  plan?: McpPlan<Req>;
}

const isMcpEntry = (t: unknown) => typeof t === 'object' && t !== null && (t as { type?: unknown }).type === 'mcp';

export function mcpTools<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  target: Target,
  authorization: Authorization<Req> | undefined,
): McpPrepared<Req> | Promise<McpPrepared<Req>> {
  const { deps, door, principal, requestId } = start;
  const request = authorization?.request ?? start.request;
  const tools: readonly unknown[] | undefined = Array.isArray(request.tools) ? request.tools : undefined;
  // The common case costs a scan of `tools`: no MCP entry in the request and no default servers.
  if (door.api !== 'chat' || !door.chatChunk || (!deps.mcp?.hasDefaults && !tools?.some(isMcpEntry))) return { request };
  const selection = selectServers(deps, { tools, tool_choice: request.tool_choice }, target.entry.name, principal, authorization, requestId);
  if (selection.use.length === 0) return { request };
  const catalogs = selection.use.map((u): ToolCatalog | Promise<ToolCatalog | Error> | Error => {
    try {
      const c = deps.mcp!.tools(u.server);
      return c instanceof Promise ? c.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))) : c;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  });
  const ready: (ToolCatalog | Error)[] = [];
  for (const c of catalogs) {
    if (c instanceof Promise) return Promise.all(catalogs).then((list) => merge(start, authorization, request, selection, list));
    ready.push(c);
  }
  return merge(start, authorization, request, selection, ready);
}

function merge<Req extends ClientRequest, W, C>(
  start: ExchangeStart<Req, W, C>,
  authorization: Authorization<Req> | undefined,
  request: Req,
  selection: Selection<unknown>,
  catalogs: readonly (ToolCatalog | Error)[],
): McpPrepared<Req> {
  const set = new McpToolSet();
  const down: string[] = [];
  catalogs.forEach((c, i) => {
    const use = selection.use[i]!;
    if (c instanceof Error) {
      down.push(use.server);
      start.deps.logger.warn({ requestId: start.requestId, mcpServer: use.server, err: c.message }, 'MCP server unavailable; its tools are left out');
      return;
    }
    addCatalog(set, c, (tool) => toolOffered(use, grantedPatterns(authorization, use.server), tool));
  });
  if (set.collisions.length > 0) start.deps.logger.warn({ requestId: start.requestId, tools: set.collisions }, 'MCP tools left out: their names collide');
  selection.tools.forEach((t, i) => {
    const name = functionName(t);
    if (name !== undefined && isExposedName(name)) {
      throw new GatewayError('invalid_request', `Invalid value for 'tools[${i}].function.name': names starting with "mcp__" belong to MCP tools.`, {
        param: `tools[${i}].function.name`,
      });
    }
  });
  const listed: readonly unknown[] = Array.isArray(request.messages) ? request.messages : [];
  const messages = down.length > 0 ? withSystemNote(listed, unavailableNote(down)) : listed;
  const merged = [...selection.tools, ...set.definitions()];
  // A choice naming an MCP tool that is not offered (its server is down) would make the runtime
  // refuse the request; the model chooses instead.
  const chosen = functionName(request.tool_choice);
  const choice = chosen !== undefined && isExposedName(chosen) && !set.has(chosen) ? 'auto' : request.tool_choice;
  const base = Object.assign({}, request, {
    messages,
    tools: merged.length > 0 ? merged : undefined,
    tool_choice: merged.length > 0 ? choice : undefined,
  });
  return set.size > 0 ? { request: base, plan: { tools: set, base, messages } } : { request: base };
}

// The built-in MCP server `aegis` for the tool loop: a request that names it
// (`{"type": "mcp", "server_label": "aegis"}`) lets its model query the organisation's memory with
// rag_search. It joins the configured servers as one more ToolServers entry, so policy's grants
// (`mcp: { aegis: [rag_search] }`), tool decisions, audit and records are the loop's own. A
// configured server of the same name wins.
import { endpointTools, mcpConfigSchema, ragSearchArguments, type McpLimits, type ToolCatalog } from '../../mcp';
import type { MemorySearch, ToolServers } from '../deps';
import { ragSearchReply } from './rag-search';

export const MEMORY_SERVER = 'aegis';

const defaultLimits: McpLimits = mcpConfigSchema.parse({});

export function withMemoryServer(servers: ToolServers | undefined, memory: MemorySearch | undefined, now: () => number): ToolServers | undefined {
  if (!memory || servers?.has(MEMORY_SERVER)) return servers;
  const tool = endpointTools.find((t) => t.name === 'rag_search')!;
  const catalog: ToolCatalog = { server: MEMORY_SERVER, tools: [tool], byName: new Map([[tool.name, tool]]), listedAt: now() };
  const mine = (server: string) => server === MEMORY_SERVER;
  return {
    get limits() {
      return servers?.limits ?? defaultLimits;
    },
    get hasDefaults() {
      return servers?.hasDefaults ?? false;
    },
    has: (server) => mine(server) || (servers?.has(server) ?? false),
    serverUrl: (server) => (mine(server) ? undefined : servers?.serverUrl(server)),
    callTimeoutMs: (server) => (mine(server) || !servers ? defaultLimits.callTimeoutMs : servers.callTimeoutMs(server)),
    defaultServers: (model, keyId) => servers?.defaultServers(model, keyId) ?? [],
    tools: (server) => (mine(server) ? catalog : servers!.tools(server)),
    async call(server, tool, args, options) {
      if (!mine(server)) return servers!.call(server, tool, args, options);
      if (tool !== 'rag_search') return { content: [{ type: 'text', text: `Unknown tool "${tool}".` }], isError: true };
      const parsed = ragSearchArguments.safeParse(args);
      if (!parsed.success) return { content: [{ type: 'text', text: `Invalid arguments: ${parsed.error.issues[0]?.message ?? 'invalid'}` }], isError: true };
      const reply = await ragSearchReply(memory, parsed.data);
      return {
        content: [{ type: 'text', text: reply.text }],
        ...(reply.structured ? { structuredContent: reply.structured } : {}),
        ...(reply.isError ? { isError: true } : {}),
      };
    },
    status: () => servers?.status() ?? [],
  };
}

// The MCP entries of a request's `tools`: OpenAI's (and LiteLLM's) shape `{ "type": "mcp",
// "server_label": name, "allowed_tools": [...] }`, checked and taken out of the list the model gets.
import { GatewayError } from '../core';

/** One server a request asked for, and the tools it limited itself to (undefined: all). */
export interface RequestedServer {
  server: string;
  allowedTools: string[] | undefined;
  /** Where it stood in `tools`, for error messages. */
  index: number;
}

export interface SplitTools<T> {
  /** The other tools (the client's functions), in order. */
  tools: T[];
  servers: RequestedServer[];
}

interface McpEntry {
  type: 'mcp';
  server_label?: unknown;
  allowed_tools?: unknown;
  require_approval?: unknown;
  server_url?: unknown;
}

const isMcpEntry = (t: unknown): t is McpEntry => typeof t === 'object' && t !== null && (t as { type?: unknown }).type === 'mcp';

function allowedToolsOf(value: unknown, param: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  // OpenAI's Responses API also takes `{ tool_names: [...] }`.
  const names = Array.isArray(value) ? value : typeof value === 'object' ? (value as { tool_names?: unknown }).tool_names : undefined;
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw new GatewayError('invalid_request', `Invalid value for '${param}': expected an array of tool names.`, { param });
  }
  return names;
}

/**
 * Aegis runs MCP tools without asking anyone (policy decides each call), so a request that wants
 * approvals is refused rather than silently run without them.
 */
function checkApproval(value: unknown, param: string): void {
  if (value === undefined || value === null || value === 'never') return;
  if (typeof value === 'object' && !('always' in value)) return;
  throw new GatewayError(
    'invalid_request',
    `Invalid value for '${param}': Aegis runs MCP tools without approval requests (policy decides each call); use "never" or leave it out.`,
    { param },
  );
}

/**
 * Splits `tools` into the client's own tools and the MCP servers asked for. `configuredUrl` says
 * which URL a `server_url` may name: clients choose among configured servers, never a new URL
 * (the gateway must not become a way to reach arbitrary hosts).
 */
export function splitRequestTools<T>(tools: readonly T[] | undefined, configuredUrl: (server: string) => string | undefined): SplitTools<T> {
  const out: SplitTools<T> = { tools: [], servers: [] };
  if (!tools) return out;
  tools.forEach((t, index) => {
    if (!isMcpEntry(t)) {
      out.tools.push(t);
      return;
    }
    const at = `tools[${index}]`;
    if (typeof t.server_label !== 'string' || t.server_label.length === 0) {
      throw new GatewayError('invalid_request', `Invalid value for '${at}.server_label': expected the name of an MCP server.`, { param: `${at}.server_label` });
    }
    const server = t.server_label;
    checkApproval(t.require_approval, `${at}.require_approval`);
    if (t.server_url !== undefined && t.server_url !== configuredUrl(server)) {
      throw new GatewayError(
        'invalid_request',
        `Invalid value for '${at}.server_url': Aegis connects only to the MCP servers in its configuration; name one with server_label alone.`,
        { param: `${at}.server_url` },
      );
    }
    const allowedTools = allowedToolsOf(t.allowed_tools, `${at}.allowed_tools`);
    const same = out.servers.find((s) => s.server === server);
    if (!same) out.servers.push({ server, allowedTools, index });
    // The same server twice: the union of what each entry allows (no list means every tool).
    else same.allowedTools = same.allowedTools && allowedTools ? [...new Set([...same.allowedTools, ...allowedTools])] : undefined;
  });
  return out;
}

// The name a model sees for an MCP tool: `mcp__<server>__<tool>`, as the MCP SDK's example host
// names them. OpenAI function names are `^[A-Za-z0-9_-]{1,64}$`; MCP tool names may be 128
// characters and contain dots (SEP-986), so a name that had to be shortened or changed gets a
// stable hash suffix: the same tool has the same name in every request, and two tools never share one.
import { createHash } from 'node:crypto';

export const EXPOSED_PREFIX = 'mcp__';
const MAX = 64;
const HASH = 8;

const clean = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

export function exposedToolName(server: string, tool: string): string {
  const plain = `${EXPOSED_PREFIX}${clean(server)}__${clean(tool)}`;
  if (plain.length <= MAX && clean(tool) === tool && clean(server) === server) return plain;
  const hash = createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, HASH);
  return `${plain.slice(0, MAX - HASH - 1)}_${hash}`;
}

/** Whether a tool-call name is in the bridge's namespace (an MCP tool, known or not). */
export function isExposedName(name: string): boolean {
  return name.startsWith(EXPOSED_PREFIX);
}

// The MCP tools one request offers its model: OpenAI function definitions named
// `mcp__<server>__<tool>` and the way back from a called name to the server and tool.
import { toolParameters } from './json-schema';
import { exposedToolName } from './names';
import type { ToolCatalog } from './server';
import type { McpTool } from './types';

/** Every tool's description is prompt tokens on every call; long manuals are cut. */
const MAX_DESCRIPTION = 1_024;

export interface FunctionTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export interface ExposedTool {
  /** What the model calls it. */
  name: string;
  server: string;
  tool: string;
  definition: FunctionTool;
}

export class McpToolSet {
  private readonly byName = new Map<string, ExposedTool>();
  /** Names that had to be left out because another tool already had them (hash collisions). */
  readonly collisions: string[] = [];

  get size(): number {
    return this.byName.size;
  }

  add(server: string, tool: McpTool): void {
    const name = exposedToolName(server, tool.name);
    const taken = this.byName.get(name);
    if (taken) {
      if (taken.server !== server || taken.tool !== tool.name) this.collisions.push(`${server}/${tool.name}`);
      return;
    }
    const text = tool.description ?? tool.title;
    const description = text && text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;
    const definition: FunctionTool = { type: 'function', function: { name, parameters: toolParameters(tool.inputSchema) } };
    if (description) definition.function.description = description;
    this.byName.set(name, { name, server, tool: tool.name, definition });
  }

  resolve(name: string): ExposedTool | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  definitions(): FunctionTool[] {
    return [...this.byName.values()].map((t) => t.definition);
  }

  servers(): string[] {
    return [...new Set([...this.byName.values()].map((t) => t.server))];
  }
}

/** The tools of `catalog` a request may offer: those `allowed` (request and policy) lets through. */
export function addCatalog(set: McpToolSet, catalog: ToolCatalog, allowed: (tool: string) => boolean): void {
  for (const tool of catalog.tools) if (allowed(tool.name)) set.add(catalog.server, tool);
}

// Responses tools as Chat Completions function tools, and the way back for the calls the model makes.
// - `function` goes as it is.
// - `custom` (freeform input, e.g. Codex's `apply_patch`) becomes a function with one string
//   parameter, and its call goes back as a `custom_tool_call`: Codex rejects a `function_call` for
//   a custom tool ("incompatible payload"; antirez/ds4#745). LiteLLM's custom_tools.py does the same.
// - `namespace` tools are flattened to `namespace__name` and mapped back to name plus namespace.
// - Hosted tools (web_search, file_search, computer_use, …) cannot run here: they are dropped and
//   named, never refused, because a 400 stops the agent (LM Studio #1383, #1810).
import type { z } from 'zod';
import type { ToolDefinition } from '../../core';
import { parseAt } from '../validate';
import { customToolSchema, functionToolSchema, namespaceToolSchema, type ResponsesTool } from './schema';

/** What a function name the model calls stands for on the client's side. */
export interface ClientTool {
  kind: 'function' | 'custom';
  name: string;
  namespace?: string;
}

/** The upstream function name → the client's tool, for every tool offered. */
export type ToolMap = Map<string, ClientTool>;

export interface TranslatedTools {
  tools: ToolDefinition[];
  map: ToolMap;
  /** Tool types (or names) that were not offered to the model. */
  dropped: string[];
}

/** The parameter a custom tool's freeform input travels in. */
export const CUSTOM_INPUT = 'input';

/** The separator of a flattened namespace tool: `[a-zA-Z0-9_-]` only, as OpenAI's function names. */
const NAMESPACE_SEPARATOR = '__';

export function flatName(name: string, namespace: string | null | undefined): string {
  return namespace ? `${namespace}${NAMESPACE_SEPARATOR}${name}` : name;
}

function customDescription(tool: z.infer<typeof customToolSchema>): string {
  const parts = [tool.description ?? ''];
  const format = tool.format;
  // The model cannot be constrained to the grammar here, so it is told the grammar instead.
  if (format?.type === 'grammar' && format.definition) parts.push(`The input must follow this ${format.syntax ?? ''} grammar:\n${format.definition}`);
  parts.push(`Put the whole freeform input as one string in the "${CUSTOM_INPUT}" argument.`);
  return parts.filter(Boolean).join('\n\n');
}

function addTool(out: TranslatedTools, tool: ResponsesTool, param: string, namespace?: string): void {
  if (tool.type === 'function') {
    const t = parseAt(functionToolSchema, tool, param);
    const name = flatName(t.name, namespace);
    out.map.set(name, { kind: 'function', name: t.name, namespace });
    out.tools.push({
      type: 'function',
      function: {
        name,
        ...(t.description ? { description: t.description } : {}),
        parameters: t.parameters ?? { type: 'object', properties: {} },
        ...(t.strict != null ? { strict: t.strict } : {}),
      },
    });
    return;
  }
  if (tool.type === 'custom') {
    const t = parseAt(customToolSchema, tool, param);
    const name = flatName(t.name, namespace);
    out.map.set(name, { kind: 'custom', name: t.name, namespace });
    out.tools.push({
      type: 'function',
      function: {
        name,
        description: customDescription(t),
        parameters: { type: 'object', properties: { [CUSTOM_INPUT]: { type: 'string' } }, required: [CUSTOM_INPUT], additionalProperties: false },
      },
    });
    return;
  }
  if (tool.type === 'namespace' && namespace === undefined) {
    const ns = parseAt(namespaceToolSchema, tool, param);
    for (const [i, inner] of ns.tools.entries()) addTool(out, inner, `${param}.tools[${i}]`, ns.name);
    return;
  }
  // `mcp` will go to the MCP bridge once it exists; until then it is dropped like a hosted tool.
  out.dropped.push(tool.name ? `${tool.type}:${tool.name}` : tool.type);
}

export function translateTools(tools: readonly ResponsesTool[] | null | undefined): TranslatedTools {
  const out: TranslatedTools = { tools: [], map: new Map(), dropped: [] };
  for (const [i, tool] of (tools ?? []).entries()) addTool(out, tool, `tools[${i}]`);
  return out;
}

type ChatToolChoice = 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

/**
 * `tool_choice` for Chat Completions. A choice of a tool that was dropped becomes `auto`; an
 * `allowed_tools` choice keeps only those tools on offer (local runtimes have no such choice).
 */
export function translateToolChoice(choice: unknown, translated: TranslatedTools): ChatToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'none' || choice === 'auto' || choice === 'required') return choice;
  if (typeof choice !== 'object' || !('type' in choice)) return undefined;
  const c: { type?: unknown; name?: unknown; namespace?: unknown; mode?: unknown; tools?: unknown } = choice;
  if ((c.type === 'function' || c.type === 'custom') && typeof c.name === 'string') {
    const name = flatName(c.name, typeof c.namespace === 'string' ? c.namespace : undefined);
    return translated.map.has(name) ? { type: 'function', function: { name } } : 'auto';
  }
  if (c.type === 'allowed_tools' && Array.isArray(c.tools)) {
    const allowed = new Set<string>();
    for (const t of c.tools) {
      if (typeof t === 'object' && t !== null && 'name' in t && typeof t.name === 'string') {
        const ns = 'namespace' in t && typeof t.namespace === 'string' ? t.namespace : undefined;
        allowed.add(flatName(t.name, ns));
      }
    }
    translated.tools = translated.tools.filter((t) => allowed.has(t.function.name));
    return c.mode === 'required' ? 'required' : 'auto';
  }
  // A hosted tool's choice (`{type: "web_search"}`): that tool was dropped.
  return 'auto';
}

/** The freeform input of a custom tool's call, from the arguments the model wrote. */
export function customInput(args: string): string {
  try {
    const value: unknown = JSON.parse(args);
    if (typeof value === 'object' && value !== null && CUSTOM_INPUT in value) {
      const input: unknown = value[CUSTOM_INPUT];
      if (typeof input === 'string') return input;
    }
    if (typeof value === 'string') return value;
  } catch {
    // A model that wrote the input itself instead of JSON: that text is the input.
  }
  return args;
}

/** The client's view of a call the model made: unknown names go back as plain function calls. */
export function clientTool(map: ToolMap, upstreamName: string): ClientTool {
  return map.get(upstreamName) ?? { kind: 'function', name: upstreamName };
}

// What one tool-call region of a model's text says, by the syntax that opened it (the table in
// ../shared/reference/subsystems.md §4.4): JSON inside Hermes/Qwen tags, Qwen3-Coder's XML
// parameters, Functionary's `<function=name>`, Mistral's `[TOOL_CALLS]` list or `name[ARGS]{…}`,
// Llama's `<|python_tag|>`, and bare or fenced JSON.
import { rawCallsOf, type RawCall } from './calls';
import type { ToolCatalog } from './catalog';
import { jsonValuesIn, parseLenient } from './json-text';

export type RegionKind = 'tagged' | 'function' | 'mistral' | 'python' | 'fence' | 'lead';

/** Raw calls read from a region, or undefined when it holds nothing call-shaped. */
export interface RegionReading {
  raws: RawCall[];
  repaired: boolean;
}

function fromJson(body: string, catalog: ToolCatalog): RegionReading | undefined {
  const { values, repaired } = jsonValuesIn(body);
  if (values.length === 0) return undefined;
  const raws: RawCall[] = [];
  for (const value of values) {
    const calls = rawCallsOf(value, catalog);
    if (!calls) return undefined;
    raws.push(...calls);
  }
  return raws.length ? { raws, repaired } : undefined;
}

/** A parameter value of the XML form: JSON when it parses as JSON, else the text itself. */
function xmlValue(text: string): unknown {
  const trimmed = text.trim();
  if (/^(-?\d|true$|false$|null$|[[{"])/.test(trimmed)) {
    try {
      return JSON.parse(trimmed);
    } catch {}
  }
  return trimmed;
}

/** `name>{json}` (Functionary) or `name>\n<parameter=k>v</parameter>…` (Qwen3-Coder). */
function fromFunctionTag(body: string): RegionReading | undefined {
  const close = body.indexOf('>');
  if (close < 0) return undefined;
  const name = body
    .slice(0, close)
    .trim()
    .replace(/^["']|["']$/g, '');
  const rest = body.slice(close + 1).replace(/<\/function>\s*$/, '');
  if (rest.includes('<parameter=')) {
    const args: Record<string, unknown> = {};
    for (const m of rest.matchAll(/<parameter=([^>\s]+)>([\s\S]*?)(?:<\/parameter>|(?=<parameter=)|$)/g)) args[m[1]!] = xmlValue(m[2]!);
    return { raws: [{ name, arguments: args }], repaired: false };
  }
  const trimmed = rest.trim();
  if (trimmed === '') return { raws: [{ name, arguments: {} }], repaired: false };
  // The first JSON value is the arguments; text after it (a forgotten closing tag) is not.
  const { values, repaired } = jsonValuesIn(trimmed);
  return { raws: [{ name, arguments: values.length ? values[0] : trimmed }], repaired };
}

function fromTagged(body: string, catalog: ToolCatalog): RegionReading | undefined {
  const fn = body.indexOf('<function=');
  if (fn >= 0) return fromFunctionTag(body.slice(fn + '<function='.length));
  return fromJson(body, catalog);
}

/** `[TOOL_CALLS][{…}]` (Mistral v0.3, Nemo) or `[TOOL_CALLS]name[ARGS]{…}` (v11 templates). */
function fromMistral(body: string, catalog: ToolCatalog): RegionReading | undefined {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) return fromJson(trimmed, catalog);
  const at = trimmed.indexOf('[ARGS]');
  const brace = trimmed.indexOf('{');
  const split = at >= 0 ? at : brace;
  if (split < 0) return undefined;
  const name = trimmed.slice(0, split).trim();
  const args = trimmed.slice(at >= 0 ? at + '[ARGS]'.length : brace).trim();
  const parsed = args === '' ? ({ ok: true, value: {}, repaired: false } as const) : parseLenient(args);
  return { raws: [{ name, arguments: parsed.ok ? parsed.value : args }], repaired: parsed.ok && parsed.repaired };
}

/** Llama 3.x built-in tool syntax: `tool.call(key="value", n=2)`. */
function fromPythonCall(body: string): RegionReading | undefined {
  const m = /^([A-Za-z_][\w.-]*?)(?:\.call)?\(([\s\S]*)\)\s*$/.exec(body.trim());
  if (!m) return undefined;
  const args: Record<string, unknown> = {};
  for (const a of m[2]!.matchAll(/([A-Za-z_]\w*)\s*=\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^,]+)/g)) {
    const raw = a[2]!.trim();
    args[a[1]!] = raw.startsWith("'") ? raw.slice(1, -1) : xmlValue(raw);
  }
  return { raws: [{ name: m[1]!, arguments: args }], repaired: false };
}

function fromPython(body: string, catalog: ToolCatalog): RegionReading | undefined {
  const json = fromJson(body, catalog);
  if (json) return json;
  const call = fromPythonCall(body);
  if (call && catalog.resolve(call.raws[0]!.name)) return call;
  // Raw code for Llama's code interpreter, when the client declared such a tool.
  const interpreter = ['python', 'ipython', 'code_interpreter'].find((n) => catalog.has(n));
  if (interpreter && body.trim()) return { raws: [{ name: interpreter, arguments: { code: body.trim() } }], repaired: false };
  return call;
}

/** The raw calls in a region's body, by the kind of region. */
export function readRegion(kind: RegionKind, body: string, catalog: ToolCatalog): RegionReading | undefined {
  switch (kind) {
    case 'tagged':
      return fromTagged(body, catalog);
    case 'function':
      return fromFunctionTag(body);
    case 'mistral':
      return fromMistral(body, catalog);
    case 'python':
      return fromPython(body, catalog);
    case 'fence':
    case 'lead':
      return fromJson(body, catalog);
  }
}

/** Whether a region that reads as nothing is still an attempted call (explicit tool syntax) or plain content. */
export const isExplicit = (kind: RegionKind): boolean => kind !== 'fence' && kind !== 'lead';

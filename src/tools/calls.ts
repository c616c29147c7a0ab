// Call-shaped JSON in every spelling local models use, read into validated calls: OpenAI's
// `{type, function: {name, arguments}}`, Hermes/Qwen `{name, arguments}`, Llama 3.x
// `{name, parameters}`, the generic `{tool_calls: [...]}` / `{tool_call: {...}}`, a list of any
// of these, and `{"<tool name>": {...}}`. Arguments may be an object or a JSON string of one.
import type { ToolCatalog } from './catalog';
import type { CallIds } from './ids';
import { parseLenient } from './json-text';
import type { ParsedCall } from './types';
import type { JsonObject } from './validate';

/** A call as the model wrote it, before its name and arguments are checked. */
export interface RawCall {
  name: string;
  arguments: unknown;
}

const argumentKeys = ['arguments', 'parameters', 'args', 'input', 'params'] as const;
const nameKeys = ['name', 'tool_name', 'tool', 'function_name'] as const;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The calls `value` is shaped as, or undefined when it is not call-shaped at all (plain data). */
export function rawCallsOf(value: unknown, catalog: ToolCatalog): RawCall[] | undefined {
  if (Array.isArray(value)) {
    const calls = value.map((v) => rawCallsOf(v, catalog));
    if (calls.length === 0 || calls.some((c) => c === undefined)) return undefined;
    return calls.flatMap((c) => c ?? []);
  }
  if (!isObject(value)) return undefined;
  if (Array.isArray(value.tool_calls)) return rawCallsOf(value.tool_calls, catalog);
  if (isObject(value.tool_call)) return rawCallsOf(value.tool_call, catalog);
  if (isObject(value.function) && typeof value.function.name === 'string') {
    return [{ name: value.function.name, arguments: value.function.arguments ?? value.function.parameters }];
  }
  for (const key of nameKeys) {
    const name = value[key];
    if (typeof name !== 'string') continue;
    const argKey = argumentKeys.find((k) => k in value);
    return [{ name, arguments: argKey ? value[argKey] : {} }];
  }
  // `{"get_weather": {"city": "Paris"}}`: only when the single key is a declared tool.
  const keys = Object.keys(value);
  if (keys.length === 1 && catalog.has(keys[0]!) && (isObject(value[keys[0]!]) || value[keys[0]!] === null)) {
    return [{ name: keys[0]!, arguments: value[keys[0]!] ?? {} }];
  }
  return undefined;
}

/** Why one attempted call was refused. */
export interface CallFailure {
  reason: string;
  /** The declared tool it named, when it named one. */
  name?: string;
}

export interface CheckedCalls {
  calls: ParsedCall[];
  failures: CallFailure[];
  repairs: number;
}

/**
 * Checks each raw call against the catalog: a declared name (forgivingly spelt), arguments that are
 * (or decode to) an object, and that validate against the tool's schema. `repaired` says the text
 * they came from needed repair to parse. Ids are always Aegis' own: models invent duplicates.
 */
export function checkCalls(raws: readonly RawCall[], catalog: ToolCatalog, ids: CallIds, repaired: boolean): CheckedCalls {
  const out: CheckedCalls = { calls: [], failures: [], repairs: 0 };
  for (const raw of raws) {
    const spec = catalog.resolve(raw.name);
    if (!spec) {
      out.failures.push({ reason: `unknown tool \`${raw.name}\`` });
      continue;
    }
    let args: unknown = raw.arguments ?? {};
    let fixed = repaired;
    if (typeof args === 'string') {
      // String-encoded arguments: `"arguments": "{\"city\": \"Paris\"}"`.
      const decoded = args.trim() === '' ? ({ ok: true, value: {}, repaired: false } as const) : parseLenient(args);
      if (!decoded.ok) {
        out.failures.push({ reason: 'arguments are not JSON', name: spec.name });
        continue;
      }
      args = decoded.value;
      fixed = true;
    }
    if (!isObject(args)) {
      out.failures.push({ reason: 'arguments are not a JSON object', name: spec.name });
      continue;
    }
    const check = spec.validator.check(args);
    if (!check.ok) {
      out.failures.push({ reason: check.reason, name: spec.name });
      continue;
    }
    if (fixed || check.coerced) out.repairs++;
    out.calls.push({ id: ids(), name: spec.name, arguments: JSON.stringify(check.value) });
  }
  return out;
}

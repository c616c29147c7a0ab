// A tool call's arguments as the JSON object MCP wants. Small models write almost-JSON (trailing
// commas, single quotes, unquoted keys); jsonrepair fixes those. Text that does not even close its
// object was cut off (max_tokens): completing it would be a guess that runs a tool, so it goes back
// to the model as an error instead.
import { jsonrepair } from 'jsonrepair';

export type ParsedArguments = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseArguments(raw: string): ParsedArguments {
  if (raw.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    const t = raw.trim();
    if (!t.startsWith('{') || !t.endsWith('}')) return { ok: false, error: 'not valid JSON (incomplete object)' };
    try {
      value = JSON.parse(jsonrepair(raw));
    } catch (err) {
      return { ok: false, error: `not valid JSON (${(err as Error).message.split('\n')[0]})` };
    }
  }
  return isObject(value) ? { ok: true, value } : { ok: false, error: 'expected a JSON object' };
}

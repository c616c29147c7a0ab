// A whole answer in OpenAI's shape, whatever the mode: native calls normalised (an arguments object
// becomes JSON text, missing ids are made, finish_reason says tool_calls), emulated calls read out
// of the text, constrained JSON read as calls or content. Invalid attempts are never returned as
// tool_calls: the caller retries them once under the schema, or they stay content.
import type { ChatChunk, ChatCompletion, ToolCall } from '../core';
import { checkCalls, rawCallsOf } from './calls';
import type { ToolCatalog } from './catalog';
import { ConstrainedParser } from './constrained-parser';
import type { CallIds } from './ids';
import { parseLenient } from './json-text';
import { ToolTextParser } from './text-parser';
import type { InvalidCall, ParsedCall, TextEvent } from './types';

/** The finish_reason of an answer whose only tool attempt was invalid: content, and a clear reason. */
export const INVALID_TOOL_CALL = 'invalid_tool_call';

/** What reading an answer's text gave. */
export interface Reading {
  content: string;
  calls: ParsedCall[];
  invalid: InvalidCall[];
  repairs: number;
}

export function readEvents(events: readonly TextEvent[], repairs: number): Reading {
  const reading: Reading = { content: '', calls: [], invalid: [], repairs };
  for (const e of events) {
    if (e.type === 'content') reading.content += e.text;
    else if (e.type === 'call') reading.calls.push(e.call);
    else reading.invalid.push(e.invalid);
  }
  return reading;
}

/** Free text with tool syntax (emulated, or native on a runtime that renders tools but does not parse). */
export function readText(text: string, catalog: ToolCatalog, ids: CallIds, truncated: boolean): Reading {
  const parser = new ToolTextParser({ catalog, ids });
  return readEvents([...parser.push(text), ...parser.end(truncated)], parser.repairs);
}

/**
 * The constrained JSON: `{"tool_calls": […]}` or `{"response": "…"}`. Text that is not that JSON
 * (a runtime that ignored the schema) is read as free text instead.
 */
export function readConstrained(text: string, catalog: ToolCatalog, ids: CallIds, truncated: boolean): Reading {
  const parsed = parseLenient(text.trim());
  if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value)) {
    const value: Record<string, unknown> = { ...parsed.value };
    if (typeof value.response === 'string' && !('tool_calls' in value)) return { content: value.response, calls: [], invalid: [], repairs: 0 };
    let raws = rawCallsOf(value, catalog);
    if (truncated && parsed.repaired) {
      // Cut off by max_tokens: the calls written in full stand, the one cut off is dropped rather
      // than repaired into a call that only looks complete. It goes before the shape check: cut
      // before its name was written (`{`, `{"name":`), it repairs to no call at all, which would
      // otherwise turn the whole list, complete calls too, into plain text.
      const scan = new ConstrainedParser();
      scan.push(text);
      if (Array.isArray(value.tool_calls)) raws = rawCallsOf(value.tool_calls.slice(0, scan.completed), catalog) ?? [];
      raws = raws?.slice(0, scan.completed);
      if (raws?.length === 0) return { content: '', calls: [], invalid: [{ raw: text, reason: 'the call was cut off (max_tokens)' }], repairs: 0 };
    }
    if (raws) {
      const checked = checkCalls(raws, catalog, ids, parsed.repaired && !truncated);
      const invalid = checked.failures.map((f) => ({ raw: text, reason: f.reason, name: f.name }));
      return { content: '', calls: checked.calls, invalid, repairs: checked.repairs };
    }
  }
  return readText(text, catalog, ids, truncated);
}

/** A whole chat answer (what transform sees is typed by the front door only). */
export const isChatCompletion = (body: unknown): body is ChatCompletion =>
  typeof body === 'object' && body !== null && 'object' in body && body.object === 'chat.completion' && 'choices' in body && Array.isArray(body.choices);

/** A streamed chat chunk. */
export const isChatChunk = (chunk: { object: string }): chunk is ChatChunk => chunk.object === 'chat.completion.chunk';

export const toToolCall = (c: ParsedCall): ToolCall => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } });

/**
 * Native calls in OpenAI's shape, in place: some runtimes send the arguments as an object, omit
 * ids or the type. Returns how many there are.
 */
export function normaliseNativeCalls(message: ChatCompletion['choices'][number]['message'], ids: CallIds): number {
  const calls = message.tool_calls;
  if (!calls?.length) return 0;
  for (const call of calls) {
    if (!call.id) call.id = ids();
    call.type = 'function';
    const args: unknown = call.function.arguments;
    if (typeof args !== 'string') call.function.arguments = JSON.stringify(args ?? {});
  }
  return calls.length;
}

/** Writes a reading into the answer's first choice: calls as tool_calls, the rest as content. */
export function applyReading(choice: ChatCompletion['choices'][number], reading: Reading, showInvalid: boolean): void {
  const { message } = choice;
  const calls = [...(message.tool_calls ?? []), ...reading.calls.map(toToolCall)];
  let content = reading.content;
  if (showInvalid) content += reading.invalid.map((i) => i.raw).join('');
  if (calls.length) {
    message.tool_calls = calls;
    message.content = content.trim() === '' ? null : content.trim();
    if (choice.finish_reason !== 'length') choice.finish_reason = 'tool_calls';
    return;
  }
  message.content = content;
  if (showInvalid && reading.invalid.length && choice.finish_reason !== 'length') choice.finish_reason = INVALID_TOOL_CALL;
}

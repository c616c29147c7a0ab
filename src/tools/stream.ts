// One streamed answer in OpenAI's shape, with explicit per-stream state: upstream chunks in, the
// chunks the client sees out. Native tool_call deltas get stable, successive indexes and ids;
// emulated calls are read out of the content as it streams (text-parser.ts) and sent as
// `delta.tool_calls`, name first, then the arguments; constrained JSON releases the response as
// content and each call's arguments as they are written (constrained-parser.ts).
import type { ChatChunk, ToolCallDelta } from '../core';
import { INVALID_TOOL_CALL, readConstrained, type Reading } from './answer';
import { ConstrainedParser, type ConstrainedEvent } from './constrained-parser';
import type { CallIds } from './ids';
import type { ToolPlan } from './plan';
import { ToolTextParser } from './text-parser';
import type { InvalidCall, ParsedCall, TextEvent, ToolStats } from './types';

type Delta = ChatChunk['choices'][number]['delta'];

export interface ToolStreamOptions {
  plan: ToolPlan;
  stats: ToolStats;
  ids: CallIds;
}

export class ToolStream {
  private template: ChatChunk | undefined;
  private roleSent = false;
  private out: ChatChunk[] = [];
  private readonly text: ToolTextParser | undefined;
  private readonly json: ConstrainedParser | undefined;
  /** Output index of the next call. */
  private nextIndex = 0;
  /** Native deltas: upstream index → output index and id (some runtimes reuse index 0 for every call). */
  private readonly native = new Map<number, { index: number; id: string }>();
  /** Constrained calls: their output index by the parser's call number. */
  private readonly jsonIndex = new Map<number, number>();
  /** Whitespace-only content, held until real content follows (none around calls). */
  private space = '';
  private calls = 0;
  private sawContent = false;
  /** An invalid call waiting for the constrained retry; content after it waits too, to keep order. */
  private held: { invalid: InvalidCall; after: string } | undefined;
  /** An invalid attempt was shown as content. */
  private shownInvalid = false;
  private finishReason: string | null = null;
  private settled = false;
  private finished = false;

  constructor(private readonly options: ToolStreamOptions) {
    const { plan, ids } = options;
    if (plan.parse === 'text') this.text = new ToolTextParser({ catalog: plan.catalog, ids });
    else if (plan.parse === 'json') this.json = new ConstrainedParser();
  }

  /** The invalid call that wants a constrained retry once the upstream's stream has ended. */
  get pendingRetry(): InvalidCall | undefined {
    return this.held?.invalid;
  }

  /** The chunks the client sees for one upstream chunk (usage-only chunks pass through). */
  push(chunk: ChatChunk): ChatChunk[] {
    const choice = chunk.choices[0];
    if (!choice) return [chunk];
    this.template ??= chunk;
    this.out = [];
    const { role: _role, content, tool_calls, ...rest } = choice.delta;
    // Other delta fields (llama-server's reasoning_content) pass through as they came.
    if (Object.keys(rest).length > 0) this.emit(rest);
    if (content) {
      if (this.text) this.textEvents(this.text.push(content));
      else if (this.json) this.jsonEvents(this.json.push(content));
      else this.content(content);
    }
    if (tool_calls?.length) this.nativeDeltas(tool_calls);
    if (choice.finish_reason) {
      this.finishReason = choice.finish_reason;
      this.settle();
      if (!this.held) this.finish();
    }
    if (this.out.length === 0 && !this.roleSent && choice.delta.role) this.emit({ content: '' });
    return this.out;
  }

  /** The chunks still owed after the upstream's last: held text, the finish chunk. */
  end(): ChatChunk[] {
    this.out = [];
    if (!this.template) return this.out;
    this.settle();
    if (this.held) {
      const { invalid, after } = this.held;
      this.held = undefined;
      this.shownInvalid = true;
      this.flushContent(invalid.raw + after);
    }
    this.finish();
    return this.out;
  }

  /** The retry's calls take the invalid call's place; the content written after it follows. */
  retried(reading: Reading): void {
    this.out = [];
    // A retry without a valid call changes nothing: end() shows the attempt as content.
    if (reading.calls.length === 0) return;
    const held = this.held;
    this.held = undefined;
    for (const call of reading.calls) this.call(call);
    if (held) this.flushContent(held.after);
    this.finish();
  }

  /** Chunks produced outside push/end (by `retried`). */
  take(): ChatChunk[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  private emit(delta: Delta): void {
    const t = this.template!;
    if (!this.roleSent) {
      delta = { role: 'assistant', ...delta };
      this.roleSent = true;
    }
    this.out.push({ id: t.id, object: 'chat.completion.chunk', created: t.created, model: t.model, choices: [{ index: 0, delta, finish_reason: null }] });
  }

  private content(text: string): void {
    if (this.held) {
      this.held.after += text;
      return;
    }
    if (text.trim() === '') {
      this.space += text;
      return;
    }
    // Leading whitespace of an answer that opens with calls is dropped, as OpenAI sends none.
    const lead = this.calls > 0 && !this.sawContent ? '' : this.space;
    this.space = '';
    this.sawContent = true;
    this.emit({ content: lead + text });
  }

  private flushContent(text: string): void {
    if (text) this.content(text);
    if (this.space && this.calls === 0) {
      this.emit({ content: this.space });
      this.space = '';
    }
  }

  private call(call: ParsedCall): void {
    const index = this.nextIndex++;
    this.calls++;
    this.options.stats.calls++;
    this.emit({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] });
    this.emit({ tool_calls: [{ index, function: { arguments: call.arguments } }] });
  }

  private textEvents(events: readonly TextEvent[]): void {
    for (const e of events) {
      if (e.type === 'content') this.content(e.text);
      else if (e.type === 'call') this.call(e.call);
      else {
        this.options.stats.parseFailures++;
        if (this.options.plan.retry && !this.held && e.invalid.name) this.held = { invalid: e.invalid, after: '' };
        else this.invalid(e.invalid);
      }
    }
  }

  private invalid(invalid: InvalidCall): void {
    this.shownInvalid = true;
    this.content(invalid.raw);
  }

  private jsonEvents(events: readonly ConstrainedEvent[]): void {
    for (const e of events) {
      if (e.type === 'content') this.content(e.text);
      else if (e.type === 'call') {
        const index = this.nextIndex++;
        this.jsonIndex.set(e.index, index);
        this.calls++;
        this.options.stats.calls++;
        this.emit({ tool_calls: [{ index, id: this.options.ids(), type: 'function', function: { name: e.name, arguments: '' } }] });
      } else {
        const index = this.jsonIndex.get(e.index);
        if (index !== undefined) this.emit({ tool_calls: [{ index, function: { arguments: e.text } }] });
      }
    }
  }

  private nativeDeltas(deltas: readonly ToolCallDelta[]): void {
    const out: ToolCallDelta[] = [];
    for (const [at, d] of deltas.entries()) {
      const key = typeof d.index === 'number' ? d.index : at;
      let slot = this.native.get(key);
      if (!slot || (d.id && d.id !== slot.id && d.function?.name)) {
        slot = { index: this.nextIndex++, id: d.id || this.options.ids() };
        this.native.set(key, slot);
        this.calls++;
        this.options.stats.calls++;
        const args: unknown = d.function?.arguments;
        out.push({ index: slot.index, id: slot.id, type: 'function', function: { name: d.function?.name ?? '', arguments: argumentText(args) } });
        continue;
      }
      const args: unknown = d.function?.arguments;
      if (args !== undefined && args !== '') out.push({ index: slot.index, function: { arguments: argumentText(args) } });
    }
    if (out.length) this.emit({ tool_calls: out });
  }

  /** The end of the text: parsers give up what they held; a constrained answer is checked whole. */
  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    const truncated = this.finishReason === 'length';
    if (this.text) this.textEvents(this.text.end(truncated));
    if (this.json) this.checkConstrained(truncated);
    this.options.stats.repairs += this.text?.repairs ?? 0;
  }

  /**
   * The constrained answer is checked against the tools once it is complete (the metrics count what
   * the grammar let through). A runtime that ignored the schema wrote free text: read it as such.
   */
  private checkConstrained(truncated: boolean): void {
    const json = this.json!;
    const output = json.output;
    if (!output.trim()) return;
    const reading = readConstrained(output, this.options.plan.catalog, this.options.ids, truncated);
    if (this.calls === 0 && !this.sawContent && (reading.calls.length || reading.content)) {
      // Nothing was released while streaming: the text was not the constrained JSON.
      for (const call of reading.calls) this.call(call);
      if (reading.content) this.content(reading.content);
      for (const i of reading.invalid) this.invalid(i);
    }
    this.options.stats.parseFailures += reading.invalid.length;
    this.options.stats.repairs += reading.repairs;
  }

  private finish(): void {
    if (this.finished || !this.template) return;
    this.finished = true;
    let reason = this.finishReason ?? 'stop';
    if (reason !== 'length' && this.calls > 0) reason = 'tool_calls';
    else if (reason !== 'length' && this.shownInvalid) reason = INVALID_TOOL_CALL;
    const t = this.template;
    this.out.push({ id: t.id, object: 'chat.completion.chunk', created: t.created, model: t.model, choices: [{ index: 0, delta: {}, finish_reason: reason }] });
  }
}

function argumentText(args: unknown): string {
  if (typeof args === 'string') return args;
  return args === undefined ? '' : JSON.stringify(args);
}

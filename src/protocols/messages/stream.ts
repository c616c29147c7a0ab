// Chat chunks as Anthropic's message stream, with explicit per-stream state: message_start and a
// ping, then content blocks one at a time (content_block_start, deltas, content_block_stop), then
// message_delta with the stop reason and usage, and message_stop. A failure after the stream began
// is an `error` event, as Anthropic's API sends one (the SDKs throw on it).
import type { ChatChunk, GatewayError, ToolCallDelta, Usage } from '../../core';
import type { MessagesTranslation } from './request';
import { anthropicError, messageUsage, reasoningOf, stopReason, type MessageIdentity } from './response';
import type { MessageStreamEvent } from './types';

interface OpenBlock {
  kind: 'text' | 'thinking' | 'tool';
  index: number;
  /** The chat tool-call index, for tool blocks. */
  call?: number;
}

interface PendingCall {
  id: string;
  name: string;
  /** Arguments that arrived before the block could start (the name was not complete yet). */
  args: string;
  started: boolean;
}

export class MessagesStreamConverter {
  private started = false;
  private ended = false;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  private readonly calls = new Map<number, PendingCall>();
  private hasCalls = false;
  private finishReason: string | null = null;
  private matchedStop: unknown;
  private lastUsage: Usage | undefined;

  constructor(
    private readonly translation: Pick<MessagesTranslation, 'thinking' | 'stopSequences'>,
    private readonly who: MessageIdentity,
    private readonly newId: (prefix: string) => string,
    /** Prompt tokens as estimated before the call: message_start needs a number before usage arrives. */
    private readonly estimatedInputTokens: number,
  ) {}

  private start(out: MessageStreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    const message = {
      id: this.who.id,
      type: 'message',
      role: 'assistant',
      model: this.who.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: this.estimatedInputTokens, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    };
    out.push({ type: 'message_start', message }, { type: 'ping' });
  }

  /** The opening events (`message_start`, `ping`), once; later calls add none. */
  begin(): MessageStreamEvent[] {
    const out: MessageStreamEvent[] = [];
    this.start(out);
    return out;
  }

  push(chunk: ChatChunk): MessageStreamEvent[] {
    const out: MessageStreamEvent[] = [];
    this.start(out);
    if (chunk.usage) this.lastUsage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return out;
    const reasoning = this.translation.thinking ? reasoningOf(choice.delta) : undefined;
    if (reasoning) this.delta(out, 'thinking', { type: 'thinking_delta', thinking: reasoning });
    if (choice.delta.content) this.delta(out, 'text', { type: 'text_delta', text: choice.delta.content });
    for (const d of choice.delta.tool_calls ?? []) this.callDelta(out, d);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    if ('stop_reason' in choice) this.matchedStop = choice.stop_reason;
    return out;
  }

  private openBlock(out: MessageStreamEvent[], kind: OpenBlock['kind'], contentBlock: Record<string, unknown>, call?: number): OpenBlock {
    this.close(out);
    const block: OpenBlock = { kind, index: this.nextIndex++, call };
    this.open = block;
    out.push({ type: 'content_block_start', index: block.index, content_block: contentBlock });
    return block;
  }

  private delta(out: MessageStreamEvent[], kind: 'text' | 'thinking', delta: Record<string, unknown>): void {
    const block =
      this.open?.kind === kind
        ? this.open
        : this.openBlock(out, kind, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' });
    out.push({ type: 'content_block_delta', index: block.index, delta });
  }

  private callDelta(out: MessageStreamEvent[], d: ToolCallDelta): void {
    let call = this.calls.get(d.index);
    if (!call) {
      call = { id: '', name: '', args: '', started: false };
      this.calls.set(d.index, call);
    }
    this.hasCalls = true;
    if (d.id) call.id = d.id;
    if (d.function?.name) call.name += d.function.name;
    if (d.function?.arguments) call.args += d.function.arguments;
    // The block starts once arguments begin (the name is whole by then); blocks go one at a time,
    // so a call's later fragments after another block began are kept for nothing but the record.
    if (!call.started && call.args) this.startCall(out, d.index, call);
    else if (call.started && this.open?.call === d.index && d.function?.arguments)
      out.push({ type: 'content_block_delta', index: this.open.index, delta: { type: 'input_json_delta', partial_json: d.function.arguments } });
  }

  private startCall(out: MessageStreamEvent[], index: number, call: PendingCall): void {
    call.started = true;
    call.id ||= this.newId('toolu');
    const block = this.openBlock(out, 'tool', { type: 'tool_use', id: call.id, name: call.name, input: {} }, index);
    if (call.args) out.push({ type: 'content_block_delta', index: block.index, delta: { type: 'input_json_delta', partial_json: call.args } });
  }

  private close(out: MessageStreamEvent[]): void {
    if (!this.open) return;
    if (this.open.kind === 'thinking') out.push({ type: 'content_block_delta', index: this.open.index, delta: { type: 'signature_delta', signature: '' } });
    out.push({ type: 'content_block_stop', index: this.open.index });
    this.open = undefined;
  }

  /** Open blocks closed, calls that never sent arguments started, then message_delta and message_stop. */
  finish(usage: Usage | undefined): MessageStreamEvent[] {
    const out: MessageStreamEvent[] = [];
    if (this.ended) return out;
    this.ended = true;
    this.start(out);
    for (const [index, call] of this.calls) if (!call.started) this.startCall(out, index, call);
    this.close(out);
    const reason = stopReason(this.finishReason, this.hasCalls, this.matchedStop, this.translation.stopSequences);
    const stop_sequence = reason === 'stop_sequence' && typeof this.matchedStop === 'string' ? this.matchedStop : null;
    out.push({ type: 'message_delta', delta: { stop_reason: reason, stop_sequence }, usage: messageUsage(usage ?? this.lastUsage) });
    out.push({ type: 'message_stop' });
    return out;
  }

  /** The event that ends a failed stream. */
  fail(error: GatewayError, requestId?: string): MessageStreamEvent[] {
    if (this.ended) return [];
    this.ended = true;
    return [anthropicError(error, requestId)];
  }
}

// Chat chunks as the Responses event stream, with explicit per-stream state (Ollama's
// ResponsesStreamConverter does the same job). The order is the one OpenAI documents and the Agents
// SDK's own chat shim emits: created, in_progress; per item output_item.added, its parts and deltas,
// output_item.done; and exactly one terminal event — completed, incomplete (length) or failed —
// also when the upstream dies mid-way (Codex errors on a stream without one: ollama#14600).
import type { ChatChunk, GatewayError, ToolCallDelta, Usage } from '../../core';
import type { ResponsesTranslation } from './request';
import { reasoningText, responseError, responseSkeleton, responseUsage, statusOf, type ResponseIdentity } from './response';
import { clientTool, customInput, type ClientTool } from './tools';
import type { ItemStatus, NewId, OutputItem, OutputMessage, ReasoningItem, ResponseObject, ResponseStreamEvent } from './types';

interface OpenText {
  item: OutputMessage | ReasoningItem;
  index: number;
  text: string;
}

interface OpenCall {
  /** Output index once `output_item.added` went out. */
  index: number | undefined;
  id: string;
  callId: string;
  upstreamName: string;
  args: string;
  /** Arguments already sent as deltas (a custom tool's input is sent whole at the end). */
  sent: number;
}

/**
 * Events are serialised when the batch they are in is written, and an item may change later in
 * the same batch (added, then done): events carry a shallow copy. Items replace their nested
 * arrays rather than change them, so one level is enough; no deep clone of echoed tool schemas.
 */
const copy = <T extends object>(value: T): T => ({ ...value });

export class ResponsesStreamConverter {
  private seq = 0;
  private started = false;
  private ended = false;
  private readonly response: ResponseObject;
  private message: OpenText | undefined;
  private reasoning: OpenText | undefined;
  /** By the chat delta's tool-call index. */
  private readonly calls = new Map<number, OpenCall>();
  private finishReason: string | null = null;
  private lastUsage: Usage | undefined;

  constructor(
    private readonly translation: Pick<ResponsesTranslation, 'echo' | 'tools'>,
    who: ResponseIdentity,
    private readonly newId: NewId,
  ) {
    this.response = responseSkeleton(translation, who);
  }

  /** The response as it stands; final after `finish` or `fail`. */
  get current(): ResponseObject {
    return this.response;
  }

  private emit(out: ResponseStreamEvent[], type: string, fields: Record<string, unknown>): void {
    out.push({ type, sequence_number: this.seq++, ...fields });
  }

  private start(out: ResponseStreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    const snapshot = { ...this.response, output: [] };
    this.emit(out, 'response.created', { response: snapshot });
    this.emit(out, 'response.in_progress', { response: snapshot });
  }

  /** The opening events (`response.created`, `response.in_progress`), once; later calls add none. */
  begin(): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    this.start(out);
    return out;
  }

  /** The events for one upstream chunk (possibly none). */
  push(chunk: ChatChunk): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    this.start(out);
    if (chunk.usage) this.lastUsage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return out;
    const reasoning = reasoningText(choice.delta);
    if (reasoning) this.reasoningDelta(out, reasoning);
    if (choice.delta.content) this.textDelta(out, choice.delta.content);
    for (const d of choice.delta.tool_calls ?? []) this.callDelta(out, d);
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
    return out;
  }

  private addItem(out: ResponseStreamEvent[], item: OutputItem): number {
    const index = this.response.output.length;
    this.response.output.push(item);
    this.emit(out, 'response.output_item.added', { output_index: index, item: copy(item) });
    return index;
  }

  private reasoningDelta(out: ResponseStreamEvent[], delta: string): void {
    if (!this.reasoning) {
      this.closeMessage(out);
      const item: ReasoningItem = { type: 'reasoning', id: this.newId('rs'), summary: [], content: [], status: 'in_progress' };
      this.reasoning = { item, index: this.addItem(out, item), text: '' };
    }
    const r = this.reasoning;
    r.text += delta;
    this.emit(out, 'response.reasoning_text.delta', { item_id: r.item.id, output_index: r.index, content_index: 0, delta });
  }

  private closeReasoning(out: ResponseStreamEvent[], status: ItemStatus = 'completed'): void {
    const r = this.reasoning;
    if (r?.item.type !== 'reasoning') return;
    this.reasoning = undefined;
    r.item.content = [{ type: 'reasoning_text', text: r.text }];
    r.item.status = status;
    this.emit(out, 'response.reasoning_text.done', { item_id: r.item.id, output_index: r.index, content_index: 0, text: r.text });
    this.emit(out, 'response.output_item.done', { output_index: r.index, item: copy(r.item) });
  }

  private textDelta(out: ResponseStreamEvent[], delta: string): void {
    this.closeReasoning(out);
    if (!this.message) {
      this.closeCalls(out);
      const item: OutputMessage = { type: 'message', id: this.newId('msg'), status: 'in_progress', role: 'assistant', content: [] };
      this.message = { item, index: this.addItem(out, item), text: '' };
      const part = { type: 'output_text', text: '', annotations: [] };
      this.emit(out, 'response.content_part.added', { item_id: item.id, output_index: this.message.index, content_index: 0, part });
    }
    const m = this.message;
    m.text += delta;
    this.emit(out, 'response.output_text.delta', { item_id: m.item.id, output_index: m.index, content_index: 0, delta, logprobs: [] });
  }

  private closeMessage(out: ResponseStreamEvent[], status: ItemStatus = 'completed'): void {
    const m = this.message;
    if (m?.item.type !== 'message') return;
    this.message = undefined;
    const part = { type: 'output_text' as const, text: m.text, annotations: [] };
    m.item.content = [part];
    m.item.status = status;
    const at = { item_id: m.item.id, output_index: m.index, content_index: 0 };
    this.emit(out, 'response.output_text.done', { ...at, text: m.text, logprobs: [] });
    this.emit(out, 'response.content_part.done', { ...at, part: copy(part) });
    this.emit(out, 'response.output_item.done', { output_index: m.index, item: copy(m.item) });
  }

  private callDelta(out: ResponseStreamEvent[], d: ToolCallDelta): void {
    this.closeReasoning(out);
    this.closeMessage(out);
    let call = this.calls.get(d.index);
    if (!call) {
      call = { index: undefined, id: '', callId: '', upstreamName: '', args: '', sent: 0 };
      this.calls.set(d.index, call);
    }
    if (d.id) call.callId = d.id;
    if (d.function?.name) call.upstreamName += d.function.name;
    if (d.function?.arguments) call.args += d.function.arguments;
    // The item is announced once its arguments begin: by then runtimes have sent the whole name.
    if (call.index === undefined && call.args) this.announce(out, call);
    if (call.index !== undefined) this.sendArguments(out, call);
  }

  private tool(call: OpenCall): ClientTool {
    return clientTool(this.translation.tools, call.upstreamName);
  }

  private announce(out: ResponseStreamEvent[], call: OpenCall): void {
    const tool = this.tool(call);
    call.callId ||= this.newId('call');
    const ns = tool.namespace ? { namespace: tool.namespace } : {};
    call.id = this.newId(tool.kind === 'custom' ? 'ctc' : 'fc');
    const base = { id: call.id, call_id: call.callId, name: tool.name, ...ns, status: 'in_progress' as const };
    call.index = this.addItem(
      out,
      tool.kind === 'custom' ? { type: 'custom_tool_call', ...base, input: '' } : { type: 'function_call', ...base, arguments: '' },
    );
  }

  private sendArguments(out: ResponseStreamEvent[], call: OpenCall): void {
    if (this.tool(call).kind === 'custom' || call.sent === call.args.length) return;
    const delta = call.args.slice(call.sent);
    call.sent = call.args.length;
    this.emit(out, 'response.function_call_arguments.delta', { item_id: call.id, output_index: call.index, delta });
  }

  private closeCalls(out: ResponseStreamEvent[], status: ItemStatus = 'completed'): void {
    for (const call of this.calls.values()) {
      if (call.index === undefined) this.announce(out, call);
      const index = call.index ?? 0;
      const item = this.response.output[index];
      if (!item || (item.type !== 'function_call' && item.type !== 'custom_tool_call')) continue;
      const at = { item_id: call.id, output_index: index };
      if (item.type === 'custom_tool_call') {
        item.input = customInput(call.args);
        this.emit(out, 'response.custom_tool_call_input.delta', { ...at, delta: item.input });
        this.emit(out, 'response.custom_tool_call_input.done', { ...at, input: item.input });
      } else {
        this.sendArguments(out, call);
        item.arguments = call.args || '{}';
        this.emit(out, 'response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments });
      }
      item.status = status;
      this.emit(out, 'response.output_item.done', { output_index: index, item: copy(item) });
    }
    this.calls.clear();
  }

  /** Items a failure cut short are closed as `incomplete`: their text or arguments may be partial. */
  private closeAll(out: ResponseStreamEvent[], status: ItemStatus = 'completed'): void {
    this.start(out);
    this.closeReasoning(out, status);
    this.closeMessage(out, status);
    this.closeCalls(out, status);
  }

  /**
   * The events after the upstream's last chunk: open items closed, then `response.completed` (or
   * `incomplete` when the model hit its token limit). `usage` is the exchange's, which counts
   * what a runtime that reports none produced.
   */
  finish(usage: Usage | undefined): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    if (this.ended) return out;
    this.closeAll(out);
    this.ended = true;
    const { status, incomplete } = statusOf(this.finishReason);
    this.response.status = status;
    this.response.incomplete_details = incomplete;
    this.response.usage = responseUsage(usage ?? this.lastUsage);
    this.emit(out, status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: this.response });
    return out;
  }

  /** The events that end a stream whose exchange failed: what was produced, then `response.failed`. */
  fail(error: GatewayError): ResponseStreamEvent[] {
    const out: ResponseStreamEvent[] = [];
    if (this.ended) return out;
    this.closeAll(out, 'incomplete');
    this.ended = true;
    this.response.status = 'failed';
    this.response.error = responseError(error);
    this.response.usage = responseUsage(this.lastUsage);
    this.emit(out, 'response.failed', { response: this.response });
    return out;
  }
}

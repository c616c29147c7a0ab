// One model call of an exchange: the answer, tool calls, usage and finish reason assembled from
// what the upstream sent (whole, or chunk by chunk). An exchange holds one turn per call.
import type { ChatChunk, ChatCompletion, Clock, Completion, EmbeddingResponse, ToolCall, Usage } from '../../core';

export class Turn {
  answer = '';
  readonly toolCalls: ToolCall[] = [];
  usage: Usage | undefined;
  finishReason: string | null | undefined;
  firstTokenAt: number | undefined;
  /** The latest streamed output (for inter-token latency). */
  lastTokenAt: number | undefined;
  /** Streamed chunks that carried output: one token each on llama.cpp-based runtimes. */
  outputChunks = 0;

  constructor(private readonly clock: Clock) {}

  private noteFirstToken(): void {
    this.firstTokenAt ??= this.clock.now();
  }

  private noteToken(): void {
    this.lastTokenAt = this.clock.now();
    this.firstTokenAt ??= this.lastTokenAt;
  }

  chatChunk(chunk: ChatChunk): void {
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) return;
    const { content, tool_calls } = choice.delta;
    if (content) {
      this.noteToken();
      this.outputChunks++;
      this.answer += content;
    }
    for (const d of tool_calls ?? []) {
      this.noteFirstToken();
      const call = (this.toolCalls[d.index] ??= { id: d.id ?? '', type: 'function', function: { name: '', arguments: '' } });
      if (d.id) call.id = d.id;
      if (d.function?.name) call.function.name += d.function.name;
      if (d.function?.arguments) call.function.arguments += d.function.arguments;
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  completionChunk(chunk: Completion): void {
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices[0];
    if (choice?.text) {
      this.noteToken();
      this.outputChunks++;
      this.answer += choice.text;
    }
    if (choice?.finish_reason) this.finishReason = choice.finish_reason;
  }

  chatCompletion(body: ChatCompletion): void {
    this.noteFirstToken();
    const choice = body.choices[0];
    this.answer = choice?.message.content ?? '';
    this.toolCalls.push(...(choice?.message.tool_calls ?? []));
    this.finishReason = choice?.finish_reason;
    this.usage = body.usage ?? undefined;
  }

  completion(body: Completion): void {
    this.noteFirstToken();
    const choice = body.choices[0];
    this.answer = choice?.text ?? '';
    this.finishReason = choice?.finish_reason;
    this.usage = body.usage ?? undefined;
  }

  /**
   * Carries what an earlier turn assembled into this one, when this call only finishes that answer
   * (the constrained retry of an invalid tool call): the record reads the last turn.
   */
  continueFrom(previous: Turn): void {
    this.answer = previous.answer + this.answer;
    this.toolCalls.unshift(...previous.toolCalls);
    this.finishReason ??= previous.finishReason;
  }

  embeddings(body: EmbeddingResponse): void {
    this.noteFirstToken();
    this.usage = { prompt_tokens: body.usage.prompt_tokens, completion_tokens: 0, total_tokens: body.usage.total_tokens };
  }
}

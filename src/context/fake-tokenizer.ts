// A Tokenizer for tests: four characters per token, a ChatML-like template of fixed size around
// each message, and a record of what it was asked to count.
import { messageText } from './message-text';
import type { Tokenizer } from './tokenizer';
import type { CountKind, Message } from './types';

export interface FakeTokenizerOptions {
  kind?: CountKind;
  /** Template tokens around each message. */
  framing?: number;
  /** Template tokens once per prompt. */
  fixed?: number;
  /** Whether `countPrompt` exists. */
  renders?: boolean;
  /** Added to every whole-prompt count: a template that costs more than its parts say. */
  wholeExtra?: number;
}

export class FakeTokenizer implements Tokenizer {
  readonly kind: CountKind;
  /** Every text passed to countTexts, in order. */
  readonly counted: string[] = [];
  /** Whole prompts counted (their message counts). */
  readonly prompts: number[] = [];
  readonly countPrompt?: (messages: readonly Message[], tools: readonly unknown[] | undefined) => Promise<number>;
  private readonly framing: number;
  private readonly fixed: number;
  private readonly wholeExtra: number;

  constructor({ kind = 'exact', framing = 5, fixed = 3, renders = true, wholeExtra = 0 }: FakeTokenizerOptions = {}) {
    this.kind = kind;
    this.framing = framing;
    this.fixed = fixed;
    this.wholeExtra = wholeExtra;
    if (renders) this.countPrompt = async (messages, tools) => this.whole(messages, tools);
  }

  static tokens(text: string): number {
    return Math.ceil(text.length / 4);
  }

  async countTexts(texts: readonly string[]): Promise<number[]> {
    this.counted.push(...texts);
    return texts.map(FakeTokenizer.tokens);
  }

  private whole(messages: readonly Message[], tools: readonly unknown[] | undefined): number {
    this.prompts.push(messages.length);
    let n = this.fixed + this.wholeExtra;
    for (const m of messages) n += this.framing + FakeTokenizer.tokens(messageText(m).text);
    if (tools && tools.length > 0) n += 10 + FakeTokenizer.tokens(JSON.stringify(tools));
    return n;
  }
}

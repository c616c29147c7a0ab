import { describe, expect, it } from 'vitest';
import { FakeTokenizer, fitRequest, PromptCounter, WindowMemory, type FitRequestInput, type Fitted } from '../../../src/context';
import { GatewayError } from '../../../src/core';
import { assistant, chat, user } from './fixtures';

const settings = {
  strategy: 'drop-oldest' as const,
  reserveTokens: 100,
  maxReserveShare: 0.5,
  lowWaterMark: 0.6,
  maxMessageShare: 0.5,
  counting: 'auto' as const,
};

function input(over: Partial<FitRequestInput> = {}): FitRequestInput {
  return {
    model: 'm@1',
    messages: chat(3),
    limit: { tokens: 2048, source: 'config' },
    strategy: 'drop-oldest',
    settings,
    counter: new PromptCounter(new FakeTokenizer()),
    windows: new WindowMemory(),
    ...over,
  };
}

describe('fitRequest', () => {
  it('answers at once, without counting, when the byte bound is under the budget', () => {
    const tokenizer = new FakeTokenizer();
    const i = input({ counter: new PromptCounter(tokenizer) });
    const r = fitRequest(i) as Fitted;
    expect(r).not.toBeInstanceOf(Promise);
    expect(r.messages).toBe(i.messages);
    expect(r.report).toMatchObject({
      limit: 2048,
      reserved: 100,
      dropped: 0,
      shortened: 0,
      strategy: 'drop-oldest',
      counted: 'estimate',
      limitSource: 'config',
    });
    expect(tokenizer.counted).toEqual([]);
  });

  it('passes through with no limit known, and says so', () => {
    const r = fitRequest(input({ limit: undefined })) as Fitted;
    expect(r.report).toMatchObject({ limit: null, budget: null, limitSource: null, dropped: 0 });
  });

  it('counts and cuts a conversation over the budget, then answers the next turn from the cache and the remembered cut', async () => {
    const tokenizer = new FakeTokenizer();
    const base = input({ counter: new PromptCounter(tokenizer), limit: { tokens: 1024, source: 'runtime' }, messages: chat(30) });
    const first = await fitRequest(base);
    expect(first.report.dropped).toBeGreaterThan(0);
    expect(first.report.tokens).toBeLessThanOrEqual(first.report.budget!);
    expect(first.report.counted).toBe('exact');
    expect(first.dropped).toHaveLength(first.report.dropped);
    const next = await fitRequest({ ...base, messages: [...base.messages, assistant(40, 'a-n'), user(40, 'u-n')] });
    expect(next.reusedCut).toBe(true);
    expect(next.report.dropped).toBe(first.report.dropped);
    expect(next.messages.slice(0, first.messages.length - 1)).toEqual(first.messages.slice(0, -1));
  });

  it('refuses with strategy error: 400 context_length_exceeded with the counts and param messages', async () => {
    const err = await Promise.resolve()
      .then(() => fitRequest(input({ strategy: 'error', limit: { tokens: 512, source: 'config' }, messages: chat(30) })))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    const e = err as GatewayError;
    expect(e.status).toBe(400);
    expect(e.code).toBe('context_length_exceeded');
    expect(e.param).toBe('messages');
    expect(e.message).toMatch(/maximum context length is 512 tokens. However, your messages resulted in \d+ tokens/);
    expect(e.toJSON().error.aegis_context).toMatchObject({ limit: 512, strategy: 'error' });
  });

  it('does not refuse on the sum of parts when the whole prompt fits', async () => {
    // A template whose whole costs less than its measured parts say (the fixed part cannot go below 0).
    const tokenizer = new FakeTokenizer({ wholeExtra: -40 });
    const messages = chat(4, 30);
    const counter = new PromptCounter(tokenizer);
    const parts = (await counter.count(messages, undefined)).total;
    const whole = await tokenizer.countPrompt!(messages, undefined);
    expect(parts).toBeGreaterThan(whole + 30);
    // Budget between the two: limit − 100 reserved − 2 % margin.
    const limit = Math.ceil((whole + 10) / 0.98) + 100;
    const r = await fitRequest(input({ strategy: 'error', counter, messages, limit: { tokens: limit, source: 'config' }, maxTokens: 100 }));
    expect(r.report.budget).toBeLessThan(parts);
    expect(r.report.tokens).toBe(whole);
    expect(r.messages).toBe(messages);
  });

  it('tightens the budget when the whole prompt counts more than its parts', async () => {
    const tokenizer = new FakeTokenizer({ wholeExtra: 200 });
    const r = await fitRequest(input({ counter: new PromptCounter(tokenizer), limit: { tokens: 1500, source: 'config' }, messages: chat(30) }));
    expect(r.report.tokens).toBeLessThanOrEqual(r.report.budget!);
    expect(tokenizer.prompts.length).toBeGreaterThan(0);
  });

  it('overflows when the last message alone cannot be made to fit', async () => {
    const messages = Array.from({ length: 40 }, (_, k) => ({ role: 'system' as const, content: `rule ${k} `.repeat(40) }));
    const err = await Promise.resolve()
      .then(() => fitRequest(input({ messages: [...messages, user(10)], limit: { tokens: 1024, source: 'config' } })))
      .catch((e: unknown) => e);
    expect((err as GatewayError).code).toBe('context_length_exceeded');
  });
});

import { describe, expect, it } from 'vitest';
import { FakeTokenizer, PromptCounter, type Message } from '../../../src/context';

const ms: Message[] = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'What is the capital of France?' },
  { role: 'assistant', content: 'Paris.' },
  { role: 'user', content: 'And of Italy?' },
];

describe('PromptCounter', () => {
  it('measures the template once and counts a prompt as the whole would', async () => {
    const tokenizer = new FakeTokenizer({ framing: 5, fixed: 3 });
    const counter = new PromptCounter(tokenizer);
    const counts = await counter.count(ms, undefined);
    expect(counter.templateProfile()).toMatchObject({ framing: 5, fixed: 3, rendersTools: true });
    expect(counts.total).toBe(await tokenizer.countPrompt!(ms, undefined));
    expect(counts.perMessage).toEqual(ms.map((m) => 5 + FakeTokenizer.tokens(String(m.content))));
    expect(counts.kind).toBe('exact');
  });

  it('counts each text once: the next turn asks only for the new messages', async () => {
    const tokenizer = new FakeTokenizer();
    const counter = new PromptCounter(tokenizer);
    await counter.count(ms, undefined);
    const before = tokenizer.counted.length;
    const next: Message[] = [...ms, { role: 'assistant', content: 'Rome.' }, { role: 'user', content: 'Spain?' }];
    await counter.count(next, undefined);
    expect(tokenizer.counted.slice(before)).toEqual(['Rome.', 'Spain?']);
  });

  it('answers from the cache alone once every text was counted, and not before', async () => {
    const counter = new PromptCounter(new FakeTokenizer());
    expect(counter.cached(ms, undefined)).toBeUndefined();
    const counted = await counter.count(ms, undefined);
    expect(counter.cached(ms, undefined)).toEqual(counted);
    expect(counter.cached([...ms, { role: 'user', content: 'new' }], undefined)).toBeUndefined();
  });

  it('counts tool definitions only when the template renders them', async () => {
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    const rendering = new PromptCounter(new FakeTokenizer());
    const plain = await rendering.count(ms, undefined);
    expect((await rendering.count(ms, tools)).total).toBeGreaterThan(plain.total);
    const ignoring = new PromptCounter({ kind: 'local', countTexts: async (t) => t.map(FakeTokenizer.tokens), countPrompt: async () => 100 });
    await ignoring.count(ms, undefined);
    expect(ignoring.templateProfile().rendersTools).toBe(false);
    expect((await ignoring.count(ms, tools)).fixed).toBe((await ignoring.count(ms, undefined)).fixed);
  });

  it('falls back to the default framing when the template cannot be rendered', async () => {
    const counter = new PromptCounter(new FakeTokenizer({ renders: false, kind: 'estimate' }));
    await counter.count(ms, undefined);
    expect(counter.templateProfile().framing).toBe(6);
    expect(await counter.whole(ms, undefined)).toBeUndefined();
  });

  it('bounds a prompt by its bytes from above, and the bound holds against the real count', async () => {
    const counter = new PromptCounter(new FakeTokenizer());
    const counts = await counter.count(ms, undefined);
    const { bound, estimate } = counter.quick(ms, undefined);
    expect(bound).toBeGreaterThanOrEqual(counts.total);
    expect(estimate).toBeGreaterThan(0);
    expect(estimate).toBeLessThan(bound);
  });

  it('corrects its counts by what the runtime reports', async () => {
    const counter = new PromptCounter(new FakeTokenizer({ kind: 'estimate', renders: false }));
    const first = await counter.count(ms, undefined);
    for (let i = 0; i < 10; i++) counter.calibration.observe((await counter.count(ms, undefined)).total, Math.round(first.total * 1.5));
    const later = await counter.count(ms, undefined);
    expect(later.total / first.total).toBeGreaterThan(1.4);
    expect(later.total / first.total).toBeLessThan(1.6);
  });

  it('reports its byte estimate corrected, so learning from it settles instead of compounding', () => {
    const counter = new PromptCounter(new FakeTokenizer({ kind: 'estimate', renders: false }));
    const reported = 3 * counter.quick(ms, undefined).estimate;
    // What the gateway does with a prompt that needed no counting: its estimate meets the runtime's report.
    for (let i = 0; i < 200; i++) counter.calibration.observe(counter.quick(ms, undefined).estimate, reported);
    const settled = counter.quick(ms, undefined).estimate;
    expect(settled / reported).toBeGreaterThan(0.97);
    expect(settled / reported).toBeLessThan(1.03);
  });
});

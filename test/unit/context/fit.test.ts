import { describe, expect, it } from 'vitest';
import { fitMessages, type FitOptions, type Message } from '../../../src/context';
import { assistant, chat, countAll, FRAMING, sum, system, tokensOf, toolTurn, user } from './fixtures';

const options = (over: Partial<FitOptions> = {}): FitOptions => ({
  strategy: 'drop-oldest',
  budget: 1000,
  fixed: 10,
  framing: FRAMING,
  lowWaterMark: 1,
  maxMessageShare: 1,
  ...over,
});

function fitOk(messages: Message[], over: Partial<FitOptions> = {}) {
  const r = fitMessages(messages, countAll(messages), options(over));
  if (!r.ok) throw new Error(`overflow: ${r.tokens} > ${r.budget}`);
  return r;
}

const contents = (ms: readonly Message[]) => ms.map((m) => String(m.content ?? '').split(' ')[0]);

describe('fitMessages', () => {
  it('passes a prompt that fits untouched', () => {
    const ms = chat(3);
    const r = fitOk(ms);
    expect(r.messages).toEqual(ms);
    expect(r.tokens).toBe(10 + sum(countAll(ms)));
    expect(r.dropped).toEqual([]);
    expect(r.shortened).toBe(0);
    expect(r.cut).toBeUndefined();
  });

  it('refuses with strategy error instead of cutting', () => {
    const ms = chat(20);
    const r = fitMessages(ms, countAll(ms), options({ strategy: 'error', budget: 300 }));
    expect(r).toEqual({ ok: false, tokens: 10 + sum(countAll(ms)), budget: 300 });
  });

  it('drop-oldest drops the oldest turns and keeps the system prompt and the last user message', () => {
    const ms = chat(10);
    const r = fitOk(ms, { budget: 400 });
    expect(r.tokens).toBeLessThanOrEqual(400);
    expect(r.messages[0]).toBe(ms[0]);
    expect(r.messages.at(-1)).toBe(ms.at(-1));
    expect(contents(r.dropped)).toEqual(contents(ms.slice(1, 1 + r.dropped.length)));
    // What is kept is the most recent run of turns.
    expect(contents(r.messages.slice(1))).toEqual(contents(ms.slice(1 + r.dropped.length)));
    expect(r.cut).toEqual({ from: 1, to: 1 + r.dropped.length });
  });

  it('middle-out keeps the start and the end and drops from the middle', () => {
    const ms = chat(10);
    const r = fitOk(ms, { budget: 400, strategy: 'middle-out' });
    expect(r.tokens).toBeLessThanOrEqual(400);
    expect(contents(r.messages).slice(0, 3)).toEqual(['SYSTEM', 'u0', 'a0']);
    expect(contents(r.messages).slice(-3)).toEqual(['u9', 'a9', 'last']);
    const dropped = contents(r.dropped);
    expect(dropped).not.toContain('u0');
    expect(dropped).toContain('u5');
    // One contiguous run was dropped.
    const first = ms.indexOf(r.dropped[0]!);
    expect(r.dropped).toEqual(ms.slice(first, first + r.dropped.length));
  });

  it('keeps an assistant tool call and its results together', () => {
    const ms: Message[] = [
      system(),
      user(40, 'u0'),
      ...toolTurn('c1', [60, 60]),
      assistant(40, 'a0'),
      user(40, 'u1'),
      ...toolTurn('c2', [30]),
      user(20, 'last'),
    ];
    const counts = countAll(ms);
    // Just too much: dropping u0 alone is not enough, the next block is the whole tool turn.
    const budget = 10 + sum(counts) - counts[1]! - 5;
    const r = fitOk(ms, { budget });
    expect(contents(r.dropped)).toEqual(['u0', '', 'x', 'x']);
    expect(r.messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual(['c2-0']);
  });

  it('never keeps a tool result whose call was dropped, nor drops the last tool block', () => {
    const ms: Message[] = [system(), user(20, 'u0'), ...toolTurn('c1', [80]), ...toolTurn('c2', [80]), ...toolTurn('c3', [80])];
    const r = fitOk(ms, { budget: 10 + tokensOf(ms[0]!) + tokensOf(ms[1]!) + 2 * (FRAMING + 12) + 2 * tokensOf(ms[3]!) + 5 });
    const ids = new Set(r.messages.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []));
    for (const m of r.messages) if (m.role === 'tool') expect(ids.has(m.tool_call_id!)).toBe(true);
    expect(r.messages.at(-1)?.tool_call_id).toBe('c3-0');
  });

  it('shortens an oversized tool result head + tail before dropping any turn', () => {
    const huge = `HEAD ${'y '.repeat(4000)} TAIL`;
    const ms: Message[] = [system(), user(30, 'u0'), assistant(30, 'a0'), user(30, 'u1'), ...toolTurn('c1', [10]), user(20, 'last')];
    ms[5] = { ...ms[5]!, content: huge };
    const r = fitOk(ms, { budget: 1000, maxMessageShare: 0.5 });
    expect(r.dropped).toEqual([]);
    expect(r.shortened).toBe(1);
    const result = String(r.messages[5]!.content);
    expect(result.startsWith('HEAD')).toBe(true);
    expect(result.endsWith('TAIL')).toBe(true);
    expect(result).toMatch(/tokens cut here by Aegis/);
    expect(tokensOf(r.messages[5]!)).toBeLessThanOrEqual(500);
    expect(r.tokens).toBeLessThanOrEqual(1000);
  });

  it('shortens the last user message only when nothing else is left to cut', () => {
    const ms: Message[] = [system(), user(40, 'u0'), assistant(40, 'a0'), { role: 'user', content: `Q ${'z '.repeat(3000)} END` }];
    const r = fitOk(ms, { budget: 800, maxMessageShare: 0.25 });
    expect(contents(r.dropped)).toEqual(['u0', 'a0']);
    expect(r.shortened).toBe(1);
    expect(String(r.messages.at(-1)!.content)).toMatch(/^Q .*tokens cut here by Aegis.* END$/s);
    expect(r.messages[0]).toBe(ms[0]);
  });

  it('overflows when even the pinned messages cannot be shortened enough', () => {
    const ms: Message[] = Array.from({ length: 30 }, (_, k) => system(30, `S${k}`));
    ms.push(user(20));
    const r = fitMessages(ms, countAll(ms), options({ budget: 200 }));
    expect(r.ok).toBe(false);
  });

  it('drops down to the low-water mark when it must cut', () => {
    const ms = chat(20);
    const r = fitOk(ms, { budget: 1000, lowWaterMark: 0.6 });
    expect(r.tokens).toBeLessThanOrEqual(600);
    expect(r.tokens).toBeGreaterThan(600 - 2 * tokensOf(ms[1]!));
  });

  it('reuses a remembered cut while it fits, so the prefix stays the same', () => {
    let ms = chat(20);
    const first = fitOk(ms, { budget: 1000, lowWaterMark: 0.6 });
    const cut = { ...first.cut!, strategy: 'drop-oldest' as const, prefix: '' };
    ms = [...ms, assistant(40, 'a-next'), user(40, 'u-next')];
    const second = fitOk(ms, { budget: 1000, lowWaterMark: 0.6, remembered: cut });
    expect(second.reused).toBe(true);
    expect(second.messages.slice(0, first.messages.length - 1)).toEqual(first.messages.slice(0, -1));
    // Without the memory, the cut would move with every turn.
    const fresh = fitOk(ms, { budget: 1000, lowWaterMark: 0.6 });
    expect(fresh.dropped.length).toBeGreaterThan(first.dropped.length);
  });

  it('makes a new cut when the remembered one no longer fits', () => {
    let ms = chat(20);
    const first = fitOk(ms, { budget: 1000, lowWaterMark: 0.6 });
    const cut = { ...first.cut!, strategy: 'drop-oldest' as const, prefix: '' };
    for (let k = 0; k < 10; k++) ms = [...ms, assistant(40, `a+${k}`), user(40, `u+${k}`)];
    const later = fitOk(ms, { budget: 1000, lowWaterMark: 0.6, remembered: cut });
    expect(later.reused).toBe(false);
    expect(later.cut!.to).toBeGreaterThan(first.cut!.to);
    expect(later.tokens).toBeLessThanOrEqual(600);
  });
});

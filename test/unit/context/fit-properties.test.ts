// Properties of fitting over arbitrary conversations: whatever the strategy, the output never
// exceeds the budget (recounted, not as the fit estimated it), never splits a tool call from its
// results, and always keeps the system prompt and the last user message.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitMessages, type Message, type Strategy } from '../../../src/context';
import { assistant, countAll, FRAMING, sum, system, text, toolTurn, user } from './fixtures';

type Turn = { kind: 'chat'; u: number; a: number } | { kind: 'tools'; results: number[] } | { kind: 'user'; u: number };

const turn: fc.Arbitrary<Turn> = fc.oneof(
  fc.record({ kind: fc.constant('chat' as const), u: fc.integer({ min: 1, max: 600 }), a: fc.integer({ min: 1, max: 600 }) }),
  fc.record({ kind: fc.constant('tools' as const), results: fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 3 }) }),
  fc.record({ kind: fc.constant('user' as const), u: fc.integer({ min: 1, max: 300 }) }),
);

function conversation(systemTokens: number, turns: Turn[], last: number): Message[] {
  const ms: Message[] = systemTokens > 0 ? [system(systemTokens)] : [];
  turns.forEach((t, i) => {
    if (t.kind === 'chat') ms.push(user(t.u, `u${i}`), assistant(t.a, `a${i}`));
    else if (t.kind === 'user') ms.push(user(t.u, `u${i}`));
    else ms.push(...toolTurn(`c${i}`, t.results));
  });
  ms.push({ role: 'user', content: `LAST ${text(last)}` });
  return ms;
}

const input = fc.record({
  systemTokens: fc.integer({ min: 0, max: 200 }),
  turns: fc.array(turn, { maxLength: 30 }),
  last: fc.integer({ min: 1, max: 1200 }),
  budget: fc.integer({ min: 300, max: 4000 }),
  strategy: fc.constantFrom<Strategy>('drop-oldest', 'middle-out'),
  lowWaterMark: fc.double({ min: 0.3, max: 1, noNaN: true }),
  maxMessageShare: fc.double({ min: 0.1, max: 1, noNaN: true }),
});

describe('fitMessages properties', () => {
  it('never exceeds the budget, splits a tool pair, or loses the system prompt or the last user message', () => {
    fc.assert(
      fc.property(input, ({ systemTokens, turns, last, budget, strategy, lowWaterMark, maxMessageShare }) => {
        const ms = conversation(systemTokens, turns, last);
        const fixed = 12;
        const r = fitMessages(ms, countAll(ms), { strategy, budget, fixed, framing: FRAMING, lowWaterMark, maxMessageShare });
        if (!r.ok) {
          // An overflow only when the pinned part cannot be shortened enough.
          expect(r.tokens).toBeGreaterThan(budget);
          return;
        }
        expect(fixed + sum(countAll(r.messages))).toBeLessThanOrEqual(budget);
        expect(r.tokens).toBeLessThanOrEqual(budget);
        // Tool pairs: every result has its call in the output, and every call all of its results.
        const calls = new Set(r.messages.flatMap((m) => m.tool_calls?.map((c) => c.id) ?? []));
        const results = new Set(r.messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id));
        for (const id of results) expect(calls.has(id!)).toBe(true);
        for (const id of calls) expect(results.has(id)).toBe(true);
        // Pinned messages are kept (perhaps shortened), in order.
        if (systemTokens > 0) expect(r.messages[0]!.role).toBe('system');
        expect(String(r.messages.at(-1)!.content).startsWith('LAST')).toBe(true);
        // Dropped and kept messages account for the whole conversation.
        expect(r.messages.length + r.dropped.length).toBe(ms.length);
      }),
      { numRuns: 400 },
    );
  });

  it('is deterministic, so the same conversation is cut the same way on every request', () => {
    fc.assert(
      fc.property(input, ({ systemTokens, turns, last, budget, strategy, lowWaterMark, maxMessageShare }) => {
        const ms = conversation(systemTokens, turns, last);
        const o = { strategy, budget, fixed: 12, framing: FRAMING, lowWaterMark, maxMessageShare };
        expect(fitMessages(ms, countAll(ms), o)).toEqual(fitMessages(ms, countAll(ms), o));
      }),
      { numRuns: 100 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { WindowMemory, headEnd, prefixHash } from '../../../src/context';
import { chat, user } from './fixtures';

describe('WindowMemory', () => {
  it('recalls a cut for the same conversation grown by new turns', () => {
    const w = new WindowMemory();
    const ms = chat(10);
    w.remember('m@1', ms, { from: 1, to: 9, strategy: 'drop-oldest' });
    expect(w.recall('m@1', [...ms, user(5)], 'drop-oldest')).toMatchObject({ from: 1, to: 9 });
    expect(w.stats()).toEqual({ conversations: 1, hits: 1, misses: 0 });
  });

  it('does not apply a cut to another conversation, another model or another strategy', () => {
    const w = new WindowMemory();
    const ms = chat(10);
    w.remember('m@1', ms, { from: 1, to: 9, strategy: 'drop-oldest' });
    const edited = [...ms];
    edited[4] = user(7, 'edited');
    expect(w.recall('m@1', edited, 'drop-oldest')).toBeUndefined();
    expect(w.recall('other@1', ms, 'drop-oldest')).toBeUndefined();
    expect(w.recall('m@1', ms, 'middle-out')).toBeUndefined();
    expect(w.recall('m@1', ms.slice(0, 5), 'drop-oldest')).toBeUndefined();
  });

  it('forgets the least recently used conversations beyond its bound', () => {
    const w = new WindowMemory({ maxConversations: 2 });
    const a = chat(3, 10);
    const b = [user(3, 'b'), ...chat(3, 10).slice(1)];
    const c = [user(3, 'c'), ...chat(3, 10).slice(1)];
    for (const ms of [a, b, c]) w.remember('m', ms, { from: 1, to: 3, strategy: 'drop-oldest' });
    expect(w.stats().conversations).toBe(2);
    expect(w.recall('m', a, 'drop-oldest')).toBeUndefined();
    expect(w.recall('m', c, 'drop-oldest')).toBeDefined();
  });

  it('keys a conversation by its system messages and first other message', () => {
    const ms = chat(3);
    expect(headEnd(ms)).toBe(2);
    expect(prefixHash(ms, 2)).toBe(prefixHash([...ms.slice(0, 2), user(1, 'different later')], 2));
  });
});

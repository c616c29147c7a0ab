import { describe, expect, it } from 'vitest';
import { fingerprint } from '../../../src/context/text-counts';
import { TextCounts } from '../../../src/context/text-counts';

describe('TextCounts', () => {
  it('finds a text by content, not identity', () => {
    const c = new TextCounts(100);
    c.set('hello world', 2);
    expect(c.get(['hello', 'world'].join(' '))).toBe(2);
    expect(c.get('hello worle')).toBeUndefined();
  });

  it('tells apart texts that share a fingerprint, and keeps both', () => {
    const c = new TextCounts(100);
    // Same length, same sampled characters: only the full compare tells them apart.
    const a = `${'a'.repeat(52)}X${'a'.repeat(47)}`;
    const b = `${'a'.repeat(52)}Y${'a'.repeat(47)}`;
    expect(fingerprint(a)).toBe(fingerprint(b));
    c.set(a, 7);
    expect(c.get(b)).toBeUndefined();
    c.set(b, 8);
    expect([c.get(a), c.get(b)]).toEqual([7, 8]);
  });

  it('stays within its bound and keeps what is used', () => {
    const c = new TextCounts(10);
    c.set('keep', 1);
    for (let i = 0; i < 100; i++) {
      c.set(`t${i}`, i);
      c.get('keep');
    }
    expect(c.size).toBeLessThanOrEqual(10);
    expect(c.get('keep')).toBe(1);
    expect(c.get('t0')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from '../../../src/core';

describe('timeOrderedUuid', () => {
  it('is a version 7 UUID whose first 48 bits are the time in milliseconds', () => {
    const ms = Date.UTC(2026, 11, 6, 5, 30, 0, 123);
    const id = timeOrderedUuid(ms);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
  });

  it('sorts as text in time order, and is unique within a millisecond', () => {
    const times = [0, 1, 255, 256, 65_535, 65_536, 2 ** 40, Date.UTC(2026, 0, 1), Date.UTC(2100, 0, 1)];
    const ids = times.map((t) => timeOrderedUuid(t));
    expect([...ids].sort()).toEqual(ids);
    const same = new Set(Array.from({ length: 20_000 }, () => timeOrderedUuid(1_000)));
    expect(same.size).toBe(20_000);
  });
});

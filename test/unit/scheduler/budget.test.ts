// Budget parsing: absolute sizes, fractions of the machine, reserves, GPUs.

import { describe, expect, it } from 'vitest';
import { footprintFromBytes, parseAmount, parseBytes, resolveBudgets } from '../../../src/scheduler';

const GiB = 2 ** 30;

describe('parseAmount / parseBytes', () => {
  it('parses binary and decimal sizes', () => {
    expect(parseBytes('24GiB')).toBe(24 * GiB);
    expect(parseBytes('512 MiB')).toBe(512 * 2 ** 20);
    expect(parseBytes('8GB')).toBe(8e9);
    expect(parseBytes('1.5gib')).toBe(1.5 * GiB);
    expect(parseBytes(4096)).toBe(4096);
  });

  it('treats 0.75, "0.75" and "75%" as fractions of the total', () => {
    expect(parseAmount('0.75')).toEqual({ fraction: 0.75 });
    expect(parseAmount(0.75)).toEqual({ fraction: 0.75 });
    expect(parseBytes('75%', 32 * GiB)).toBe(24 * GiB);
    expect(parseBytes('0.5', 32 * GiB)).toBe(16 * GiB);
  });

  it('rejects nonsense', () => {
    expect(() => parseAmount('lots')).toThrow(/invalid budget/);
    expect(() => parseAmount('3 parsecs')).toThrow(/unknown unit/);
    expect(() => parseAmount(-1)).toThrow(/invalid budget/);
  });
});

describe('resolveBudgets', () => {
  it('resolves RAM against the machine total and each GPU against its VRAM', () => {
    const budgets = resolveBudgets(
      { ram: { budget: '0.75', reserve: '2GiB' }, gpus: [{ totalBytes: 24 * GiB, reserve: '512MiB' }] },
      { totalMemBytes: 64 * GiB },
    );
    expect(budgets).toEqual([
      { id: 'ram', totalBytes: 64 * GiB, budgetBytes: 48 * GiB, reserveBytes: 2 * GiB },
      { id: 'gpu0', totalBytes: 24 * GiB, budgetBytes: 24 * GiB, reserveBytes: 512 * 2 ** 20 },
    ]);
  });

  it('defaults RAM to os.totalmem() and refuses a reserve that eats the budget', () => {
    const [ram] = resolveBudgets({});
    expect(ram!.budgetBytes).toBeGreaterThan(0);
    expect(() => resolveBudgets({ ram: { budget: '4GiB', reserve: '4GiB' } })).toThrow(/reserve/);
  });
});

describe('footprintFromBytes', () => {
  it('maps a RAM/VRAM byte pair onto resource ids, leaving out zeros', () => {
    expect(footprintFromBytes({ ramBytes: 3 * GiB, vramBytes: 5 * GiB })).toEqual({ ram: 3 * GiB, gpu0: 5 * GiB });
    expect(footprintFromBytes({ ramBytes: 3 * GiB, vramBytes: 0 }, 'gpu1')).toEqual({ ram: 3 * GiB });
  });
});

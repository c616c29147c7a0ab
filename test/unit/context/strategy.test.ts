import { describe, expect, it } from 'vitest';
import { chooseStrategy, parseStrategy, promptBudget } from '../../../src/context';

describe('strategy', () => {
  it('parses the header names and the policy name for refusing', () => {
    expect(parseStrategy('error')).toBe('error');
    expect(parseStrategy('refuse')).toBe('error');
    expect(parseStrategy(' Drop-Oldest ')).toBe('drop-oldest');
    expect(parseStrategy('middle-out')).toBe('middle-out');
    expect(parseStrategy('truncate')).toBeUndefined();
  });

  it('takes the header, else the model config, without a policy', () => {
    expect(chooseStrategy({ requested: 'error', configured: 'drop-oldest' })).toEqual({ strategy: 'error', by: 'header' });
    expect(chooseStrategy({ configured: 'middle-out' })).toEqual({ strategy: 'middle-out', by: 'config' });
  });

  it('keeps within what the policy allows, its first entry being the default', () => {
    expect(chooseStrategy({ configured: 'drop-oldest', allowed: ['drop-oldest', 'refuse'] })).toEqual({ strategy: 'drop-oldest', by: 'config' });
    expect(chooseStrategy({ configured: 'drop-oldest', allowed: ['middle-out'] })).toEqual({ strategy: 'middle-out', by: 'policy' });
    expect(chooseStrategy({ configured: 'drop-oldest', allowed: [] })).toEqual({ strategy: 'error', by: 'policy' });
    expect(chooseStrategy({ requested: 'error', configured: 'drop-oldest', allowed: ['drop-oldest', 'refuse'] })).toEqual({ strategy: 'error', by: 'header' });
  });
});

describe('promptBudget', () => {
  it('holds back the completion and the margin', () => {
    expect(promptBudget({ limit: 2048, maxTokens: 256, reserveTokens: 512, maxReserveShare: 0.5, margin: 0.05 })).toEqual({
      limit: 2048,
      reserved: 256,
      margin: 90,
      prompt: 1702,
    });
  });

  it('caps a completion reserve written for cloud windows at a share of the context', () => {
    expect(promptBudget({ limit: 2048, maxTokens: 8192, reserveTokens: 512, maxReserveShare: 0.5, margin: 0 }).reserved).toBe(1024);
    expect(promptBudget({ limit: 2048, maxTokens: null, reserveTokens: 512, maxReserveShare: 0.5, margin: 0 }).reserved).toBe(512);
  });
});

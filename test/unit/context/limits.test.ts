import { describe, expect, it } from 'vitest';
import { contextLengthFromError, LearnedLimits } from '../../../src/context';

describe('contextLengthFromError', () => {
  it('reads the context length from the runtimes own refusals', () => {
    expect(
      contextLengthFromError(
        'Upstream "l" answered 400: This model\'s maximum context length is 2048 tokens. However, you requested 3000 tokens (2900 in the messages, 100 in the completion).',
      ),
    ).toBe(2048);
    expect(contextLengthFromError('Requested tokens (2100) exceed context window of 2048')).toBe(2048);
    expect(contextLengthFromError('the request exceeds the available context size, try increasing it (n_ctx 4096, prompt 5000 tokens)')).toBe(4096);
    expect(contextLengthFromError('the input length exceeds the context length')).toBeUndefined();
  });
});

describe('LearnedLimits', () => {
  it('remembers per model within its bound', () => {
    const l = new LearnedLimits(2);
    l.set('a', 1);
    l.set('b', 2);
    l.set('c', 3);
    expect([l.get('a'), l.get('b'), l.get('c')]).toEqual([undefined, 2, 3]);
  });
});

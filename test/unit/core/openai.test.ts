// OpenAI wire helpers shared by the gateway's stages and its exchange.
import { describe, expect, it } from 'vitest';
import { addUsage, type Usage } from '../../../src/core';

describe('addUsage', () => {
  const call: Usage = { prompt_tokens: 10, completion_tokens: 4, total_tokens: 14 };

  it('takes the first model call as it is', () => {
    expect(addUsage(undefined, call)).toBe(call);
  });

  it('sums the tokens of two model calls', () => {
    expect(addUsage(call, { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 })).toEqual({
      prompt_tokens: 30,
      completion_tokens: 5,
      total_tokens: 35,
    });
  });
});

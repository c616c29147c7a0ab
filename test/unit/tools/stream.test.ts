import { describe, expect, it } from 'vitest';
import { chatRequestSchema, type ChatChunk } from '../../../src/core';
import { defaultToolsConfig, planTools, ToolSession } from '../../../src/tools';
import { counterIds, tools } from './fixtures';

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null = null): ChatChunk => ({
  id: 'c',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'm',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

function session(decoding: 'lenient' | 'constrained') {
  const request = chatRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools });
  const plan = planTools({
    request,
    support: 'emulated',
    model: 'm',
    runtime: { parsesCalls: false, honoursToolChoice: true, constrains: true },
    config: { ...defaultToolsConfig, decoding, retry: false },
  })!;
  return new ToolSession(plan, counterIds());
}

describe('ToolStream', () => {
  it('passes delta fields it does not read (reasoning_content) through, before the content', () => {
    const s = session('lenient').stream();
    const out = s.push(chunk({ reasoning_content: 'thinking', content: 'Hello' }));
    expect(out.map((c) => c.choices[0]!.delta)).toEqual([{ role: 'assistant', reasoning_content: 'thinking' }, { content: 'Hello' }]);
  });

  it('sends the role first, a call as name then arguments, and tool_calls as the finish reason', () => {
    const x = session('lenient');
    const s = x.stream();
    const out = [
      ...s.push(chunk({ role: 'assistant', content: '' })),
      ...s.push(chunk({ content: '<tool_call>{"name": "get_time", "arguments": {}}</tool_call>' })),
      ...s.push(chunk({}, 'stop')),
      ...s.end(),
    ];
    expect(out.map((c) => [c.choices[0]!.delta, c.choices[0]!.finish_reason])).toEqual([
      [{ role: 'assistant', content: '' }, null],
      [{ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_time', arguments: '' } }] }, null],
      [{ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, null],
      [{}, 'tool_calls'],
    ]);
    expect(x.stats).toEqual({ mode: 'emulated', calls: 1, parseFailures: 0, repairs: 0 });
  });

  it('reads a constrained answer that is not the schema’s JSON (a runtime that ignored it) as free text', () => {
    const s = session('constrained').stream();
    const out = [...s.push(chunk({ content: 'Plain words.' })), ...s.push(chunk({}, 'stop')), ...s.end()];
    expect(out.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe('Plain words.');
    expect(out.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });
});

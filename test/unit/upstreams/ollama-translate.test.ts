import { describe, expect, it } from 'vitest';
import { OllamaChatStream, keepAliveFor, toOllamaChat } from '../../../src/upstreams/ollama-translate';
import { expandCommand, splitCommand } from '../../../src/upstreams';

describe('Ollama translation', () => {
  it('maps OpenAI fields to native options, images and tool results', () => {
    const body = toOllamaChat(
      {
        model: 'm',
        max_tokens: 7,
        temperature: 0.2,
        stop: 'END',
        top_k: 5,
        response_format: { type: 'json_object' },
        messages: [
          { role: 'developer', content: 'sys' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'look' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            ],
          },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get', arguments: '{"q":1}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'result' },
        ],
      },
      'smollm2:135m',
      4096,
      '5m',
    );
    expect(body).toMatchObject({
      model: 'smollm2:135m',
      stream: false,
      format: 'json',
      keep_alive: '5m',
      options: { num_predict: 7, temperature: 0.2, stop: ['END'], top_k: 5, num_ctx: 4096 },
    });
    const msgs = body.messages as { role: string; images?: string[]; tool_calls?: unknown[]; tool_name?: string }[];
    expect(msgs[0]!.role).toBe('system');
    expect(msgs[1]!.images).toEqual(['AAAA']);
    expect(msgs[2]!.tool_calls).toEqual([{ function: { name: 'get', arguments: { q: 1 } } }]);
    expect(msgs[3]!.tool_name).toBe('get');
  });

  it('turns NDJSON lines into OpenAI chunks with a role chunk, tool calls and final usage', () => {
    const s = new OllamaChatStream('id1', 'public');
    const a = s.translate({ model: 'm', created_at: '2026-01-01T00:00:00Z', message: { role: 'assistant', content: 'Hel' }, done: false });
    const b = s.translate({
      model: 'm',
      created_at: '',
      message: { role: 'assistant', content: '', tool_calls: [{ function: { name: 'f', arguments: { x: 1 } } }] },
      done: false,
    });
    const c = s.translate({
      model: 'm',
      created_at: '',
      message: { role: 'assistant', content: '' },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 4,
      eval_count: 2,
    });
    expect(a.map((x) => x.choices[0]!.delta)).toEqual([{ role: 'assistant', content: '' }, { content: 'Hel' }]);
    expect(b[0]!.choices[0]!.delta.tool_calls![0]).toMatchObject({ index: 0, type: 'function', function: { name: 'f', arguments: '{"x":1}' } });
    expect(c[0]!.choices[0]!.finish_reason).toBe('tool_calls');
    expect(c[0]!.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
    expect(a[0]!.model).toBe('public');
  });

  it('derives keep_alive from ttl and pinning', () => {
    expect(keepAliveFor(undefined, true, '5m')).toBe(-1);
    expect(keepAliveFor(90, false, '5m')).toBe('90s');
    expect(keepAliveFor(undefined, false, '5m')).toBe('5m');
  });
});

describe('managed command templates', () => {
  it('splits strings with quoted Windows paths and substitutes placeholders', () => {
    expect(splitCommand('"C:\\Program Files\\llama\\llama-server.exe" -m ${MODEL_PATH} --port ${PORT}')).toEqual([
      'C:\\Program Files\\llama\\llama-server.exe',
      '-m',
      '${MODEL_PATH}',
      '--port',
      '${PORT}',
    ]);
    expect(
      expandCommand(['srv', '--port', '${PORT}', '--model=${MODEL_PATH}', '-c', '${CONTEXT}'], { PORT: '8001', MODEL_PATH: '/m.gguf', CONTEXT: '2048' }),
    ).toEqual(['srv', '--port', '8001', '--model=/m.gguf', '-c', '2048']);
  });
});

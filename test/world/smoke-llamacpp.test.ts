// Smoke test: the real llama.cpp server (llama-cpp-python) streams a chat completion and embeds text.
import { describe, expect, it } from 'vitest';
import { world } from './use-world';

const llamacpp = await world('llamacpp');

describe.skipIf(!llamacpp)('llama.cpp server (test world)', () => {
  it('streams /v1/chat/completions as SSE ending in [DONE]', async () => {
    const res = await fetch(`${llamacpp!.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smollm2-135m', stream: true, max_tokens: 8, messages: [{ role: 'user', content: 'Count to three.' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await res.text())
      .split('\n\n')
      .map((e) => e.trim())
      .filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')) as { object: string; choices: { delta: { content?: string } }[] });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('').length).toBeGreaterThan(0);
  });

  it('answers /v1/embeddings with a numeric vector', async () => {
    const res = await fetch(`${llamacpp!.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'smollm2-135m', input: 'local inference' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { embedding: unknown }[] };
    // llama-cpp-python returns one vector per token for models without a pooling layer.
    const flat = [body.data[0]!.embedding].flat(2) as number[];
    expect(flat.length).toBeGreaterThan(100);
    expect(flat.every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
  });
});

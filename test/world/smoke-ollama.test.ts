// Smoke test: the real Ollama built from source lists the imported GGUF models, loads one
// (/api/ps shows it), generates tokens and unloads it with keep_alive: 0.
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/wait';
import { world } from './use-world';

const ollama = await world('ollama');

async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${ollama!.url}${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) });
  expect(res.status, `${path} status`).toBe(200);
  return (await res.json()) as T;
}

interface PsResponse {
  models: { name: string; size: number; size_vram: number; context_length?: number }[];
}

describe.skipIf(!ollama)('Ollama (test world)', () => {
  it('lists both imported models', async () => {
    const tags = await api<{ models: { name: string; size: number; details: { family: string } }[] }>('/api/tags');
    const names = tags.models.map((m) => m.name);
    for (const name of ollama!.models) expect(names).toContain(name);
  });

  it('loads a model, generates tokens, and unloads it with keep_alive 0', async () => {
    const model = 'smollm2:135m';
    await api('/api/generate', { model, keep_alive: '5m' });
    const loaded = await api<PsResponse>('/api/ps');
    const entry = loaded.models.find((m) => m.name === model);
    expect(entry, 'model listed in /api/ps after load').toBeDefined();
    expect(entry!.size).toBeGreaterThan(50_000_000);

    const gen = await api<{ message: { content: string }; eval_count: number; done: boolean }>('/api/chat', {
      model,
      stream: false,
      messages: [{ role: 'user', content: 'Say hello.' }],
      options: { num_predict: 8, temperature: 0 },
    });
    expect(gen.done).toBe(true);
    expect(gen.eval_count).toBeGreaterThan(0);
    expect(gen.message.content.length).toBeGreaterThan(0);

    const unload = await api<{ done_reason: string }>('/api/generate', { model, keep_alive: 0 });
    expect(unload.done_reason).toBe('unload');
    // The runner exits asynchronously after the unload reply.
    await until(async () => !(await api<PsResponse>('/api/ps')).models.some((m) => m.name === model), 5_000, `${model} to leave /api/ps`);
  });

  it('generates with the second (gemma3) model too', async () => {
    const gen = await api<{ response: string; eval_count: number }>('/api/generate', {
      model: 'gemma3:270m',
      prompt: 'The capital of France is',
      stream: false,
      keep_alive: 0,
      options: { num_predict: 4, temperature: 0 },
    });
    expect(gen.eval_count).toBeGreaterThan(0);
  });
});

// The official openai client, pointed at Aegis, against the real runtimes of the test world:
// Ollama (native API), llama.cpp (llama-cpp-python started by Aegis' managed runner) and the
// LM Studio fixture.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { world } from '../world/use-world';

const [ollama, lmstudio, llamacpp, models] = await Promise.all([world('ollama'), world('lmstudio'), world('llamacpp'), world('models')]);
const available = Boolean(ollama && lmstudio && llamacpp && models);

const runtimes = [
  { model: 'smol-ollama', label: 'Ollama (native API)' },
  { model: 'smol-llamacpp', label: 'llama.cpp via the managed runner' },
  { model: 'smol-lmstudio', label: 'LM Studio fixture' },
];

describe.skipIf(!available)('openai SDK end to end', () => {
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const smol = models!['smollm2-135m']!;
    gw = await startGateway({
      upstreams: [
        { name: 'ollama', type: 'ollama', url: ollama!.url, discover: true },
        { name: 'lmstudio', type: 'lmstudio', url: lmstudio!.url, discover: false },
        {
          name: 'llamacpp',
          type: 'managed',
          managed: {
            command: [
              llamacpp!.python,
              '-m',
              'llama_cpp.server',
              '--model',
              '${MODEL_PATH}',
              '--model_alias',
              '${MODEL}',
              '--host',
              '127.0.0.1',
              '--port',
              '${PORT}',
              '--n_ctx',
              '${CONTEXT}',
              '--embedding',
              'true',
            ],
          },
        },
      ],
      models: [
        { name: 'smol-ollama', aliases: ['smol'], upstream: 'ollama', upstreamModel: 'smollm2:135m', contextLength: 2048, capabilities: { embeddings: true } },
        {
          name: 'smol-llamacpp',
          upstream: 'llamacpp',
          upstreamModel: 'smollm2-135m',
          path: smol.path,
          contextLength: 2048,
          capabilities: { embeddings: true },
        },
        {
          name: 'smol-lmstudio',
          upstream: 'lmstudio',
          upstreamModel: 'smollm2-135m',
          contextLength: 2048,
          ttlSeconds: 600,
          capabilities: { embeddings: true },
        },
      ],
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: testKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await gw?.close();
  });

  it('lists configured models, aliases and discovered Ollama models with the aegis extension', async () => {
    const list = await client.models.list();
    const ids = list.data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(['smol-ollama', 'smol', 'smol-llamacpp', 'smol-lmstudio', 'gemma3:270m']));
    const smol = list.data.find((m) => m.id === 'smol') as unknown as { aegis: { alias_of: string; upstream: string; context_length: number } };
    expect(smol.aegis).toMatchObject({ alias_of: 'smol-ollama', upstream: 'ollama', context_length: 2048 });
    const one = await client.models.retrieve('smol-lmstudio');
    expect(one.id).toBe('smol-lmstudio');
  });

  for (const { model, label } of runtimes) {
    describe(label, () => {
      it('answers a chat completion', async () => {
        const res = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens: 8, temperature: 0 });
        expect(res.object).toBe('chat.completion');
        expect(res.model).toBe(model);
        expect(res.choices[0]!.message.role).toBe('assistant');
        expect((res.choices[0]!.message.content ?? '').length).toBeGreaterThan(0);
        expect(res.usage!.completion_tokens).toBeGreaterThan(0);
      });

      it('streams a chat completion with usage', async () => {
        const stream = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: 'Count to five.' }],
          max_tokens: 8,
          stream: true,
          stream_options: { include_usage: true },
        });
        let text = '';
        let finish: string | null = null;
        let usage: OpenAI.CompletionUsage | undefined | null;
        for await (const chunk of stream) {
          expect(chunk.model).toBe(model);
          text += chunk.choices[0]?.delta.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
          if (chunk.usage) usage = chunk.usage;
        }
        expect(text.length).toBeGreaterThan(0);
        expect(finish).toMatch(/stop|length/);
        expect(usage?.completion_tokens).toBeGreaterThan(0);
      });

      it('answers a text completion', async () => {
        const res = await client.completions.create({ model, prompt: 'The sky is', max_tokens: 6, temperature: 0 });
        expect(res.choices[0]!.text.length).toBeGreaterThan(0);
        expect(res.model).toBe(model);
      });

      it('embeds text', async () => {
        const res = await client.embeddings.create({ model, input: ['local models', 'gateway'] });
        expect(res.data).toHaveLength(2);
        expect(res.data[0]!.embedding.length).toBeGreaterThan(100);
        expect(res.data[0]!.embedding.every((x) => Number.isFinite(x))).toBe(true);
      });
    });
  }

  it('started the llama.cpp runtime as a managed process', () => {
    const upstream = gw.runtime.snapshot.upstreams.get('llamacpp') as unknown as { pidOf(id: string): number | undefined };
    const pid = upstream.pidOf('smollm2-135m');
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid!, 0)).not.toThrow();
  });
});

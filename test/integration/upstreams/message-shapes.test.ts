// OpenAI's newer message shapes, as the openai SDK, LangChain and the Agents SDK send them, through
// Aegis to every runtime of the test world with no per-upstream configuration: llama-cpp-python
// (plain `type: openai`), Ollama (native API) and the LM Studio fixture.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { world } from '../../world/use-world';

const [ollama, lmstudio, llamacpp] = await Promise.all([world('ollama'), world('lmstudio'), world('llamacpp')]);

const runtimes = [
  { label: 'llama-cpp-python', model: 'smol-llamacpp', upstream: 'llamacpp', available: Boolean(llamacpp) },
  { label: 'Ollama', model: 'smol-ollama', upstream: 'ollama', available: Boolean(ollama) },
  { label: 'LM Studio fixture', model: 'smol-lmstudio', upstream: 'lmstudio', available: Boolean(lmstudio) },
];

type Messages = OpenAI.Chat.ChatCompletionMessageParam[];

const shapes: { name: string; messages: Messages }[] = [
  {
    name: 'a system message of text parts',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'You answer in one word.' }] },
      { role: 'user', content: 'Say hello.' },
    ],
  },
  {
    name: 'a developer message',
    messages: [
      { role: 'developer', content: 'You answer in one word.' },
      { role: 'user', content: 'Say hello.' },
    ],
  },
  {
    name: 'a user message of two text parts',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Say' },
          { type: 'text', text: 'hello.' },
        ],
      },
    ],
  },
];

// A 1×1 PNG: a real image, so a runtime that accepted it would try to decode it.
const pixel = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe.skipIf(!runtimes.some((r) => r.available))('OpenAI message shapes through Aegis to every runtime', () => {
  let gw: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    const upstreams: Record<string, unknown>[] = [];
    if (llamacpp) upstreams.push({ name: 'llamacpp', type: 'openai', url: llamacpp.url, discover: false });
    if (ollama) upstreams.push({ name: 'ollama', type: 'ollama', url: ollama.url, discover: false });
    if (lmstudio) upstreams.push({ name: 'lmstudio', type: 'lmstudio', url: lmstudio.url, discover: false });
    gw = await startGateway({
      upstreams,
      models: [
        { name: 'smol-llamacpp', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', contextLength: 2048 },
        { name: 'smol-ollama', upstream: 'ollama', upstreamModel: 'smollm2:135m', contextLength: 2048 },
        { name: 'smol-lmstudio', upstream: 'lmstudio', upstreamModel: 'smollm2-135m', contextLength: 2048, ttlSeconds: 600 },
      ].filter((m) => upstreams.some((u) => u.name === m.upstream)),
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: testKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await gw?.close();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const runtime of runtimes) {
    describe.skipIf(!runtime.available)(runtime.label, () => {
      for (const shape of shapes) {
        it(`answers ${shape.name}`, async () => {
          const res = await client.chat.completions.create({ model: runtime.model, messages: shape.messages, max_tokens: 4, temperature: 0 });
          expect(res.object).toBe('chat.completion');
          expect(res.model).toBe(runtime.model);
          expect(res.choices[0]!.message.role).toBe('assistant');
          expect(res.choices[0]!.finish_reason).toMatch(/stop|length/);
          expect(res.usage!.prompt_tokens).toBeGreaterThan(0);
        });
      }

      it('refuses an image part for a model without vision, before any upstream call', async () => {
        const upstream = gw.runtime.snapshot.upstreams.get(runtime.upstream);
        expect(upstream).toBeDefined();
        const chat = vi.spyOn(upstream!, 'chat');
        const call = client.chat.completions.create({
          model: runtime.model,
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is in this picture?' },
                { type: 'image_url', image_url: { url: pixel } },
              ],
            },
          ],
          max_tokens: 4,
        });
        await expect(call).rejects.toMatchObject({
          status: 400,
          type: 'invalid_request_error',
          code: 'capability_not_supported',
          param: 'messages',
          message: expect.stringContaining(runtime.model),
        });
        expect(chat).not.toHaveBeenCalled();
      });
    });
  }
});

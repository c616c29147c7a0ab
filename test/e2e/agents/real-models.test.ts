// A real small model (SmolLM2 135M) answering the agent doors through the runtimes that serve
// neither API themselves in this test world: Ollama (its native API) and llama-cpp-python (Chat
// Completions only). Aegis translates; the runtime never sees a Responses or Messages request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { parseSse, typesOf } from '../../helpers/sse';
import { world } from '../../world/use-world';

const [ollama, llamacpp] = await Promise.all([world('ollama'), world('llamacpp')]);

const runtimes = [
  { model: 'smol-ollama', label: 'Ollama' },
  { model: 'smol-llamacpp', label: 'llama-cpp-python' },
];

describe.skipIf(!ollama || !llamacpp)('agent doors on real small models', () => {
  let gw: TestGateway;
  const post = (path: string, body: unknown) =>
    fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${testKey}` },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    gw = await startGateway({
      upstreams: [
        { name: 'ollama', type: 'ollama', url: ollama!.url, discover: false },
        { name: 'llamacpp', type: 'openai', url: llamacpp!.url, discover: false },
      ],
      models: [
        { name: 'smol-ollama', upstream: 'ollama', upstreamModel: 'smollm2:135m', contextLength: 2048 },
        { name: 'smol-llamacpp', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', contextLength: 2048 },
      ],
    });
  });

  afterAll(async () => {
    await gw?.close();
  });

  for (const { model, label } of runtimes) {
    describe(label, () => {
      it('answers a Responses request, whole and streamed', async () => {
        const res = await post('/v1/responses', { model, input: 'Say hello.', max_output_tokens: 12, temperature: 0 });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { status: string; output: { type: string; content: { text: string }[] }[]; usage: { output_tokens: number } };
        expect(['completed', 'incomplete']).toContain(body.status);
        expect(body.output[0]!.type).toBe('message');
        expect(body.output[0]!.content[0]!.text.length).toBeGreaterThan(0);
        expect(body.usage.output_tokens).toBeGreaterThan(0);

        const streamed = await post('/v1/responses', { model, input: 'Count to three.', max_output_tokens: 12, stream: true, temperature: 0 });
        const events = parseSse(await streamed.text());
        expect(typesOf(events).slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
        expect(typesOf(events)).toContain('response.output_text.delta');
        expect(['response.completed', 'response.incomplete']).toContain(events.at(-1)!.data.type);
        expect((events.at(-1)!.data.response as { usage: { output_tokens: number } }).usage.output_tokens).toBeGreaterThan(0);
      });

      it('answers a Messages request, whole and streamed', async () => {
        const res = await post('/v1/messages', { model, max_tokens: 12, temperature: 0, messages: [{ role: 'user', content: 'Say hello.' }] });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { type: string; content: { type: string; text: string }[]; stop_reason: string };
        expect(body.type).toBe('message');
        expect(body.content[0]!.text.length).toBeGreaterThan(0);
        expect(['end_turn', 'max_tokens']).toContain(body.stop_reason);

        const streamed = await post('/v1/messages', {
          model,
          max_tokens: 12,
          stream: true,
          temperature: 0,
          messages: [{ role: 'user', content: 'Count to three.' }],
        });
        const events = parseSse(await streamed.text());
        expect(events[0]!.event).toBe('message_start');
        expect(typesOf(events)).toContain('content_block_delta');
        expect(typesOf(events).slice(-2)).toEqual(['message_delta', 'message_stop']);
      });
    });
  }
});

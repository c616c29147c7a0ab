// Context fitting end to end on the real runtimes with the official openai client: a conversation
// three times a 2K model's context is answered, with the x-aegis-context header saying what was
// dropped; with x-aegis-truncate: error it is a 400 context_length_exceeded; the system prompt
// survives: the runtime receives it first in the fitted conversation (read at a pass-through in
// front of it), and SmolLM2 on Ollama, told its name there, says it. llama-cpp-python is given no
// context length: Aegis learns it from the runtime's first refusal and retries once.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { longConversation, MARKER_SYSTEM, type Message } from '../helpers/conversation';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';
import { world } from '../world/use-world';

const [ollama, llamacpp, models] = await Promise.all([world('ollama'), world('llamacpp'), world('models')]);
const available = Boolean(ollama && llamacpp && models);

type AegisContext = { prompt_tokens: number; context_length: number; context_length_source: string; dropped_messages: number; strategy: string };
type UsageWithContext = OpenAI.CompletionUsage & { aegis_context?: AegisContext };

function header(value: string | null): Record<string, string> {
  return Object.fromEntries((value ?? '').split('; ').map((kv) => kv.split('=') as [string, string]));
}

// `template`: Aegis can render the model's chat template before the first call (the GGUF's, or
// Ollama's own once the model is resident), so its count should match the runtime's closely.
// `marker`: the model is asked the name its system prompt gave it. SmolLM2-135M answers it on
// Ollama; on llama-cpp-python whether it does after 30 turns differs between CPUs (greedy decoding
// follows the SIMD kernels' sums), so there the received request is the evidence.
const runtimes = [
  { model: 'smol-lcp', upstream: 'lcp', label: 'llama-cpp-python (context learned from its refusal)', marker: false, template: true },
  { model: 'smol-ollama', upstream: 'ollama', label: 'Ollama, SmolLM2', marker: true, template: true },
  // Ollama renders Gemma 3 with `{{ .Prompt }}` (its GGUF has no chat template), which leaves out
  // system messages: the marker cannot reach this model through Ollama at all, and before the
  // model is loaded Aegis counts its messages with a generic template's framing (an overcount).
  { model: 'gemma-ollama', upstream: 'ollama', label: 'Ollama, Gemma 3', marker: false, template: false },
] as const;

// A fitted prompt is ~1,000–1,900 tokens: minutes of prompt evaluation on two busy cores.
describe.skipIf(!available)('context fitting on the real runtimes', { timeout: 900_000 }, () => {
  let gw: TestGateway;
  let client: OpenAI;
  const received: Partial<Record<'ollama' | 'lcp', RecordingProxy>> = {};

  beforeAll(async () => {
    received.ollama = await startRecordingProxy(ollama!.url);
    received.lcp = await startRecordingProxy(llamacpp!.url);
    gw = await startGateway({
      upstreams: [
        { name: 'ollama', type: 'ollama', url: received.ollama.url, discover: false },
        { name: 'lcp', type: 'openai', url: received.lcp.url, discover: false },
      ],
      models: [
        { name: 'smol-ollama', upstream: 'ollama', upstreamModel: 'smollm2:135m', contextLength: 2048 },
        { name: 'gemma-ollama', upstream: 'ollama', upstreamModel: 'gemma3:270m', contextLength: 2048 },
        { name: 'smol-lcp', upstream: 'lcp', upstreamModel: 'smollm2-135m', path: models!['smollm2-135m']!.path },
      ],
    });
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: testKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.all(Object.values(received).map((p) => p.close()));
  });

  for (const { model, upstream, label, marker, template } of runtimes) {
    describe(label, () => {
      it('answers a conversation three times its context and says what it dropped', async () => {
        const messages = longConversation(30);
        const { data, response } = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0 }).withResponse();
        expect(data.choices[0]!.message.content?.length).toBeGreaterThan(0);
        const h = header(response.headers.get('x-aegis-context'));
        expect(h).toMatchObject({ limit: '2048', strategy: 'drop-oldest' });
        expect(Number(h.dropped)).toBeGreaterThan(20);
        const usage = data.usage as UsageWithContext;
        expect(usage.aegis_context).toMatchObject({ context_length: 2048, dropped_messages: Number(h.dropped), strategy: 'drop-oldest' });
        // The runtime saw what Aegis counted: its own prompt count is within the window, and Aegis
        // never counted less than the runtime did.
        expect(usage.prompt_tokens).toBeLessThanOrEqual(2048 - 16);
        expect(usage.prompt_tokens).toBeLessThanOrEqual(Math.ceil(Number(h.tokens) * 1.01));
        if (template) expect(Math.abs(usage.prompt_tokens - Number(h.tokens))).toBeLessThanOrEqual(Math.ceil(usage.prompt_tokens * 0.02));
      });

      it('refuses the same conversation with x-aegis-truncate: error', async () => {
        const err = await client.chat.completions
          .create({ model, messages: longConversation(30), max_tokens: 16 }, { headers: { 'x-aegis-truncate': 'error' } })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OpenAI.BadRequestError);
        const e = err as InstanceType<typeof OpenAI.BadRequestError>;
        expect(e.status).toBe(400);
        expect(e.code).toBe('context_length_exceeded');
        expect(e.param).toBe('messages');
        expect(e.message).toMatch(/maximum context length is 2048 tokens/);
      });

      it('streams a fitted conversation with the header and usage.aegis_context in the last chunk', async () => {
        const { data: stream, response } = await client.chat.completions
          .create({ model, messages: longConversation(30), max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true } })
          .withResponse();
        let usage: UsageWithContext | undefined;
        for await (const chunk of stream) if (chunk.usage) usage = chunk.usage as UsageWithContext;
        expect(Number(header(response.headers.get('x-aegis-context')).dropped)).toBeGreaterThan(20);
        expect(usage?.aegis_context?.dropped_messages).toBeGreaterThan(20);
      });

      it('keeps the system prompt: the runtime receives it first, and the model still knows the name it was given', async () => {
        const ask = async (messages: Message[]) =>
          (await client.chat.completions.create({ model, messages, max_tokens: 24, temperature: 0, seed: 1 })).choices[0]!.message.content ?? '';
        const withSystem = await ask(longConversation(30));
        const sent = received[upstream]!.generations().at(-1)!.messages as Message[];
        expect(sent[0]).toEqual({ role: 'system', content: MARKER_SYSTEM });
        expect(sent.length).toBeLessThan(longConversation(30).length - 20);
        expect(sent.at(-1)).toEqual({ role: 'user', content: 'What is your name?' });
        if (!marker) return;
        // Without the system prompt the model has no reason to use that name: the control.
        const without = await ask(longConversation(30).slice(1));
        expect(withSystem).toMatch(/zorb/i);
        expect(without).not.toMatch(/zorb/i);
      });
    });
  }

  it('lists where each context length came from', async () => {
    const list = (await client.models.list()).data as unknown as { id: string; aegis: { context_length: number; context_length_source: string } }[];
    const byId = Object.fromEntries(list.map((m) => [m.id, m.aegis]));
    expect(byId['smol-ollama']).toMatchObject({ context_length: 2048, context_length_source: 'config' });
    expect(byId['smol-lcp']).toMatchObject({ context_length: 2048, context_length_source: 'learned' });
  });
});

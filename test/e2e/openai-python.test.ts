// The official openai Python client beside the npm one (openai-sdk.test.ts): Chat Completions whole
// and streamed, a forced tool call and its round trip, embeddings and a wrong key, from the test
// world's pinned venv against a real gateway in front of SmolLM2-135M on llama-cpp-python.
// Twice: tools emulated, as detection decides for this model (its template has no tool section):
// Aegis decodes the forced call under its call schema and rewrites the history it sends back; and
// native, where the client's own history goes to llama-cpp-python (which refuses the assistant
// turn's `content: null` unless Aegis sends it as "").
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportOf, runClient } from '../helpers/agent-world';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { world } from '../world/use-world';

const client = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'openai_chat.py');
const [llamacpp, agentspy] = await Promise.all([world('llamacpp'), world('agentspy')]);

interface Report {
  whole: { object: string; text: string; finish: string; tokens: number };
  stream: { chunks: number; text: string; finish: string; usage: number | null };
  call: { id: string; name: string; arguments: { city: unknown }; finish: string };
  followUp: { text: string | null; calls: unknown; finish: string };
  embeddings: { count: number; indexes: number[]; dims: number[]; first: number[]; floatFirst: number[] };
  denied: { status?: number; code?: string; type?: string };
}

describe.skipIf(!llamacpp || !agentspy).each(['emulated', 'native'] as const)('openai (Python) end to end on a real model (%s tools)', (tools) => {
  let gw: TestGateway;
  let report: Report;

  beforeAll(async () => {
    gw = await startGateway({
      upstreams: [{ name: 'llamacpp', type: 'openai', url: llamacpp!.url, discover: false }],
      models: [{ name: 'smol', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', contextLength: 2048, capabilities: { tools, embeddings: true } }],
    });
    const env = { PATH: process.env.PATH, BASE_URL: `${gw.url}/v1`, API_KEY: testKey, MODEL: 'smol' };
    const run = await runClient(agentspy!.python, [client], { env, timeoutMs: 150_000 });
    expect(run.code, run.stderr).toBe(0);
    report = reportOf(run) as Report;
  }, 180_000);

  afterAll(async () => {
    await gw?.close();
  });

  it('answers a chat completion whole', () => {
    expect(report.whole).toMatchObject({ object: 'chat.completion', finish: expect.stringMatching(/^(stop|length)$/) });
    expect(report.whole.text.length).toBeGreaterThan(0);
    expect(report.whole.tokens).toBeGreaterThan(0);
  });

  it('streams the same answer chunk by chunk, with usage on the last chunk', () => {
    // Temperature 0 and a seed: the runtime decodes the same tokens either way.
    expect(report.stream.text).toBe(report.whole.text);
    expect(report.stream.chunks).toBeGreaterThan(2);
    expect(report.stream.finish).toBe(report.whole.finish);
    expect(report.stream.usage).toBe(report.whole.tokens);
  });

  it('makes the forced tool call and answers from the tool result', () => {
    expect(report.call).toMatchObject({ id: expect.any(String), name: 'get_weather', finish: 'tool_calls' });
    expect(['Paris', 'London', 'Tokyo']).toContain(report.call.arguments.city);
    expect(report.followUp.calls).toBeNull();
    expect(report.followUp.finish).toMatch(/^(stop|length)$/);
    expect(report.followUp.text?.length).toBeGreaterThan(0);
  });

  it('embeds a batch (base64, decoded by the client) and a single input (floats) alike', () => {
    expect(report.embeddings).toMatchObject({ count: 2, indexes: [0, 1] });
    const [dims] = report.embeddings.dims;
    expect(dims).toBeGreaterThan(0);
    expect(report.embeddings.dims).toEqual([dims, dims]);
    expect(report.embeddings.first.some((v) => v !== 0)).toBe(true);
    // float32 on the wire in base64; the float answer carries the runtime's doubles.
    for (const [i, v] of report.embeddings.first.entries()) expect(v).toBeCloseTo(report.embeddings.floatFirst[i]!, 5);
  });

  it('raises AuthenticationError for a wrong key', () => {
    expect(report.denied).toEqual({ status: 401, code: 'invalid_api_key', type: 'authentication_error' });
  });
});

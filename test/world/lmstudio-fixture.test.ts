// The LM Studio emulation fixture against real llama-cpp-python processes: listings, explicit
// load/unload, OpenAI-compatible inference (SSE and JSON), JIT single-flight loads, idle TTL, auto-evict.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait';
import { startLmStudioFixture, type LmStudioFixture } from './lmstudio-fixture';
import { paths } from './manifest';

// Where `npm test`'s install step puts them (test/world/manifest.ts); the variables override.
const python = process.env.AEGIS_TEST_PYTHON ?? paths.python;
const smollm2Path = process.env.AEGIS_TEST_SMOLLM2_GGUF ?? paths.model('smollm2-135m');
const gemma3Path = process.env.AEGIS_TEST_GEMMA3_GGUF ?? paths.model('gemma3-270m');

const SMOL = 'huggingfacetb/smollm2-135m-instruct';
const GEMMA = 'google/gemma-3-270m-it';

const missing = [python, smollm2Path, gemma3Path].filter((path) => !existsSync(path));
if (missing.length > 0) {
  const reason = `LM Studio fixture needs ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(reason);
  process.stderr.write(`\n!!!!!!!! SKIPPING lmstudio-fixture tests: ${reason}\n\n`);
}

interface V0Model {
  id: string;
  type: string;
  publisher: string;
  arch: string;
  compatibility_type: string;
  quantization: string;
  state: string;
  max_context_length: number;
}
interface V1Instance {
  id: string;
  config: { context_length: number; eval_batch_size: number; flash_attention: boolean };
}
interface V1Model {
  key: string;
  type: string;
  publisher: string;
  architecture: string;
  quantization: { name: string; bits_per_weight: number };
  size_bytes: number;
  format: string;
  loaded_instances: V1Instance[];
  max_context_length: number;
}
interface Stats {
  loads: Record<string, number>;
  unloads: Record<string, number>;
  instances: Array<{ id: string; key: string; pid: number; jit: boolean; ttl_seconds: number | null }>;
}

describe.skipIf(missing.length > 0)('LM Studio emulation fixture (llama-cpp-python backed)', () => {
  let fixture: LmStudioFixture;

  async function call<T = Record<string, unknown>>(path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const response = await fetch(
      `${fixture.url}${path}`,
      body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
    );
    return { status: response.status, json: (await response.json()) as T };
  }
  const v1Models = async () => (await call<{ models: V1Model[] }>('/api/v1/models')).json.models;
  const v1Model = async (key: string) => (await v1Models()).find((model) => model.key === key)!;
  const v0Model = async (key: string) => (await call<V0Model>(`/api/v0/models/${key}`)).json;
  const stats = async () => (await call<Stats>('/__fixture/stats')).json;
  const loadCount = async (key: string) => (await stats()).loads[key] ?? 0;
  const chat = (model: string, extra: Record<string, unknown> = {}) =>
    call<{ object: string; model: string; choices: Array<{ message: { content: string } }> }>('/v1/chat/completions', {
      model,
      messages: [{ role: 'user', content: 'Say hi.' }],
      max_tokens: 8,
      ...extra,
    });
  const isAlive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  beforeAll(async () => {
    fixture = await startLmStudioFixture({
      python,
      logDir: mkdtempSync(join(tmpdir(), 'aegis-lmstudio-fixture-')),
      models: [
        { key: SMOL, path: smollm2Path },
        { key: GEMMA, path: gemma3Path },
      ],
    });
  });

  afterAll(async () => {
    await fixture?.close();
  });

  // Every test starts with nothing loaded, so at most two model processes ever run at once.
  beforeEach(async () => {
    for (const model of await v1Models()) {
      for (const instance of model.loaded_instances) await call('/api/v1/models/unload', { instance_id: instance.id });
    }
  });

  it('lists downloaded models as not loaded in the OpenAI, v0 and v1 listings', async () => {
    const openAi = await call<{ object: string; data: Array<{ id: string; object: string; owned_by: string }> }>('/v1/models');
    expect(openAi.json.object).toBe('list');
    expect(openAi.json.data).toEqual([
      { id: SMOL, object: 'model', owned_by: 'organization_owner' },
      { id: GEMMA, object: 'model', owned_by: 'organization_owner' },
    ]);

    const v0 = await call<{ object: string; data: V0Model[] }>('/api/v0/models');
    expect(v0.json.data.map((model) => model.state)).toEqual(['not-loaded', 'not-loaded']);
    expect(await v0Model(SMOL)).toEqual({
      id: SMOL,
      object: 'model',
      type: 'llm',
      publisher: 'huggingfacetb',
      arch: 'llama',
      compatibility_type: 'gguf',
      quantization: 'Q4_1',
      state: 'not-loaded',
      max_context_length: 8192,
    });

    const gemma = await v1Model(GEMMA);
    expect(gemma).toMatchObject({
      type: 'llm',
      publisher: 'google',
      architecture: 'gemma3',
      format: 'gguf',
      loaded_instances: [],
      quantization: { name: 'Q4_K_M', bits_per_weight: 4 },
      max_context_length: 32768,
    });
    expect(gemma.size_bytes).toBeGreaterThan(100_000_000);
  });

  it('answers 404 with an OpenAI error envelope for unknown models and instances', async () => {
    const v0 = await call<{ error: { code: string } }>('/api/v0/models/no-such-model');
    expect(v0.status).toBe(404);
    const load = await call<{ error: { code: string } }>('/api/v1/models/load', { model: 'no-such-model' });
    expect(load.status).toBe(404);
    const unload = await call<{ error: { code: string } }>('/api/v1/models/unload', { instance_id: 'no-such-instance' });
    expect(unload.status).toBe(404);
    const completion = await chat('no-such-model');
    expect(completion.status).toBe(404);
    expect(completion.json).toMatchObject({ error: { type: 'invalid_request_error', param: null, code: 'model_not_found' } });
  });

  it('loads through /api/v1/models/load and reports the instance in v1 and v0', async () => {
    const loaded = await call('/api/v1/models/load', { model: SMOL, context_length: 1024, echo_load_config: true });
    expect(loaded.status).toBe(200);
    expect(loaded.json).toMatchObject({ type: 'llm', instance_id: SMOL, status: 'loaded', load_config: { context_length: 1024 } });
    expect(loaded.json.load_time_seconds).toBeGreaterThan(0);

    const instances = (await v1Model(SMOL)).loaded_instances;
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({ id: SMOL, config: { context_length: 1024, eval_batch_size: 512, flash_attention: false } });
    expect((await v0Model(SMOL)).state).toBe('loaded');
    expect((await v0Model(GEMMA)).state).toBe('not-loaded');
    const [instance] = (await stats()).instances;
    expect(instance).toMatchObject({ id: SMOL, jit: false, ttl_seconds: null });
    expect(isAlive(instance!.pid)).toBe(true);
  });

  it('names a second explicit instance of the same model key:2', async () => {
    await call('/api/v1/models/load', { model: SMOL });
    const second = await call('/api/v1/models/load', { model: SMOL });
    expect(second.json.instance_id).toBe(`${SMOL}:2`);
    expect((await v1Model(SMOL)).loaded_instances.map((instance) => instance.id)).toEqual([SMOL, `${SMOL}:2`]);
  });

  it('streams a chat completion as SSE chunks ending in [DONE]', async () => {
    await call('/api/v1/models/load', { model: SMOL });
    const response = await fetch(`${fixture.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: SMOL, messages: [{ role: 'user', content: 'Say hi.' }], max_tokens: 8, stream: true }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await response.text())
      .split('\n\n')
      .filter((event) => event.startsWith('data: '))
      .map((event) => event.slice(6));
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as { object: string; model: string; choices: Array<{ delta: { content?: string } }> });
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({ object: 'chat.completion.chunk', model: SMOL });
      expect(chunk.choices[0]!.delta).toBeTypeOf('object');
    }
    expect(chunks.map((chunk) => chunk.choices[0]!.delta.content ?? '').join('')).not.toBe('');
  });

  it('answers non-streaming chat and text completions under the LM Studio key', async () => {
    await call('/api/v1/models/load', { model: SMOL });
    const completion = await chat(SMOL);
    expect(completion.status).toBe(200);
    expect(completion.json).toMatchObject({ object: 'chat.completion', model: SMOL });
    expect(completion.json.choices[0]!.message.content).toBeTypeOf('string');

    const text = await call<{ object: string; model: string; choices: Array<{ text: string }> }>('/v1/completions', {
      model: SMOL,
      prompt: 'The sky is',
      max_tokens: 4,
    });
    expect(text.status).toBe(200);
    expect(text.json).toMatchObject({ object: 'text_completion', model: SMOL });
  });

  it('embeds a batch of inputs as one vector per input', async () => {
    await call('/api/v1/models/load', { model: SMOL });
    const embedded = await call<{ model: string; data: Array<{ index: number; embedding: number[] }> }>('/v1/embeddings', {
      model: SMOL,
      input: ['hello', 'a longer second input'],
    });
    expect(embedded.status).toBe(200);
    expect(embedded.json.model).toBe(SMOL);
    expect(embedded.json.data.map((item) => item.index)).toEqual([0, 1]);
    const [first, second] = embedded.json.data;
    expect(first!.embedding.length).toBeGreaterThan(100);
    expect(first!.embedding.every((value) => typeof value === 'number')).toBe(true);
    expect(second!.embedding).toHaveLength(first!.embedding.length);
  });

  it('unloads an instance, its process exits and the listings show it not loaded', async () => {
    await call('/api/v1/models/load', { model: SMOL });
    const { pid } = (await stats()).instances[0]!;
    const unloadsBefore = (await stats()).unloads[SMOL] ?? 0;

    const unloaded = await call('/api/v1/models/unload', { instance_id: SMOL });
    expect(unloaded).toEqual({ status: 200, json: { instance_id: SMOL } });
    expect(isAlive(pid)).toBe(false);
    expect((await v1Model(SMOL)).loaded_instances).toEqual([]);
    expect((await v0Model(SMOL)).state).toBe('not-loaded');
    expect((await stats()).unloads[SMOL]).toBe(unloadsBefore + 1);
  });

  it('JIT-loads a model on the first chat request that names it, with the default TTL', async () => {
    const before = await loadCount(GEMMA);
    const completion = await chat(GEMMA);
    expect(completion.status).toBe(200);
    expect(completion.json.model).toBe(GEMMA);
    expect(await loadCount(GEMMA)).toBe(before + 1);
    expect((await v1Model(GEMMA)).loaded_instances).toHaveLength(1);
    expect((await stats()).instances).toMatchObject([{ key: GEMMA, jit: true, ttl_seconds: 3600 }]);
  });

  it('joins concurrent first requests for an unloaded model into exactly one load', async () => {
    const before = await loadCount(SMOL);
    const answers = await Promise.all([1, 2, 3].map(() => chat(SMOL, { max_tokens: 4 })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await loadCount(SMOL)).toBe(before + 1);
    expect((await v1Model(SMOL)).loaded_instances).toHaveLength(1);
  });

  it('unloads a JIT-loaded model once its request ttl has passed idle', async () => {
    const completion = await chat(SMOL, { ttl: 1 });
    const answeredAt = Date.now();
    expect(completion.status).toBe(200);
    expect((await stats()).instances).toMatchObject([{ key: SMOL, ttl_seconds: 1 }]);

    await until(async () => (await v1Model(SMOL)).loaded_instances.length === 0, 10_000, 'the ttl unload');
    expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(900);
  });

  it('auto-evicts the previous JIT-loaded model but never an explicitly loaded one', async () => {
    await chat(SMOL);
    await chat(GEMMA);
    expect((await v1Model(SMOL)).loaded_instances).toEqual([]);
    expect((await v1Model(GEMMA)).loaded_instances).toHaveLength(1);

    await call('/api/v1/models/unload', { instance_id: GEMMA });
    await call('/api/v1/models/load', { model: SMOL });
    await chat(GEMMA);
    expect((await v1Model(SMOL)).loaded_instances).toHaveLength(1);
    expect((await v1Model(GEMMA)).loaded_instances).toHaveLength(1);
  });
});

// The scheduler on the real test world: a budget that holds one of two models, single-flight
// loads under ten concurrent first requests, TTL unloads that really free the runtime, and
// loading progress for streaming clients.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../src/cli/wiring';
import { MemoryLogger } from '../../src/core';
import type { ManagedUpstream } from '../../src/upstreams';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { startLmStudioFixture, type LmStudioFixture } from '../world/lmstudio-fixture';
import { world } from '../world/use-world';
import { until } from '../helpers/wait';

const [ollama, llamacpp, models] = await Promise.all([world('ollama'), world('llamacpp'), world('models')]);
const available = Boolean(ollama && llamacpp && models);
/** A copy of gemma3:270m for the TTL case, named for this run. */
const ttlModel = `aegis-gemma-ttl-${process.pid}`;
const MiB = 2 ** 20;

function runnerCommand(python: string) {
  return [
    python,
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
  ];
}

interface Ps {
  models: { id: string; state: string; loads: number; inFlight: number; queued: number }[];
  resources: { id: string; usedBytes: number; limitBytes: number }[];
}

describe.skipIf(!available)('scheduler end to end', () => {
  let gw: TestGateway;
  let client: OpenAI;
  let fixture: LmStudioFixture;
  const ps = async () => (await (await fetch(`${gw.url}/admin/ps`, { headers: { authorization: `Bearer ${testKey}` } })).json()) as Ps;
  const loadsOf = async (id: string) => (await ps()).models.find((m) => m.id === id)?.loads ?? 0;

  beforeAll(async () => {
    // The TTL case gets a copy of Gemma under a name of this run's own: other test files load
    // gemma3:270m on the same Ollama at the same time, and their loads would hold it in /api/ps.
    const created = await fetch(`${ollama!.url}/api/create`, { method: 'POST', body: JSON.stringify({ model: ttlModel, from: 'gemma3:270m', stream: false }) });
    expect(created.status).toBe(200);
    fixture = await startLmStudioFixture({ port: 0, python: llamacpp!.python, models: [{ key: 'smollm2-135m', path: models!['smollm2-135m']!.path }] });
    gw = await startGateway(
      {
        server: { keepAliveMs: 100 },
        scheduler: { ram: { budget: `${450 * MiB}`, reserve: 0 } },
        upstreams: [
          { name: 'runner', type: 'managed', managed: { command: runnerCommand(llamacpp!.python) } },
          { name: 'ollama', type: 'ollama', url: ollama!.url, discover: false },
          { name: 'lms', type: 'lmstudio', url: fixture.url, discover: false },
        ],
        models: [
          // Declared footprints make the budget arithmetic exact: 300 + 300 MiB > 450 MiB.
          {
            name: 'smol',
            upstream: 'runner',
            upstreamModel: 'smol',
            path: models!['smollm2-135m']!.path,
            contextLength: 512,
            footprint: { ramBytes: 300 * MiB },
          },
          {
            name: 'gemma',
            upstream: 'runner',
            upstreamModel: 'gemma',
            path: models!['gemma3-270m']!.path,
            contextLength: 512,
            footprint: { ramBytes: 300 * MiB },
          },
          {
            name: 'gemma-ollama',
            upstream: 'ollama',
            upstreamModel: `${ttlModel}:latest`,
            contextLength: 512,
            ttlSeconds: 2,
            footprint: { ramBytes: 100 * MiB },
          },
          { name: 'smol-lms', upstream: 'lms', upstreamModel: 'smollm2-135m', contextLength: 512, footprint: { ramBytes: 50 * MiB } },
          {
            name: 'smol-ttl',
            upstream: 'runner',
            upstreamModel: 'smol-ttl',
            path: models!['smollm2-135m']!.path,
            contextLength: 512,
            ttlSeconds: 1,
            footprint: { ramBytes: 50 * MiB },
          },
        ],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: testKey, maxRetries: 0 });
  });

  afterAll(async () => {
    await gw?.close();
    await fixture?.close();
    await fetch(`${ollama?.url}/api/delete`, { method: 'DELETE', body: JSON.stringify({ model: ttlModel }) }).catch(() => {});
  });

  const ask = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });

  it('serves alternating concurrent requests for two models that do not fit together, with zero errors and the predicted loads', async () => {
    const runner = gw.runtime.snapshot.upstreams.get('runner') as ManagedUpstream;
    const loads = async () => (await loadsOf('runner/smol')) + (await loadsOf('runner/gemma'));
    // Rounds of three concurrent requests for one model, alternating models: the budget holds one,
    // so every round swaps exactly once (one load), and the queued requests share that load.
    const order = ['smol', 'gemma', 'smol', 'gemma'];
    for (const [i, model] of order.entries()) {
      const results = await Promise.allSettled([ask(model), ask(model), ask(model)]);
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(await loads()).toBe(i + 1);
      expect((await runner.loaded()).map((m) => m.upstreamModel)).toEqual([model]);
    }
    // Both at once, interleaved: FIFO order means at most one swap per change of model in arrival
    // order (smol, gemma, smol, gemma → ≤ 4 loads) and at least one (gemma is resident).
    const before = await loads();
    const mixed = await Promise.allSettled([ask('smol'), ask('gemma'), ask('smol'), ask('gemma')]);
    expect(mixed.filter((r) => r.status === 'rejected')).toEqual([]);
    const swaps = (await loads()) - before;
    expect(swaps).toBeGreaterThanOrEqual(1);
    expect(swaps).toBeLessThanOrEqual(4);
    expect((await runner.loaded()).length).toBe(1);
    const ram = (await ps()).resources.find((r) => r.id === 'ram')!;
    expect(ram.usedBytes).toBeLessThanOrEqual(ram.limitBytes);
  });

  it('joins ten concurrent first requests to one load', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => ask('smol-lms')));
    expect(results).toHaveLength(10);
    expect(await loadsOf('lms/smollm2-135m')).toBe(1);
    const stats = (await (await fetch(`${fixture.url}/__fixture/stats`)).json()) as { loads: Record<string, number> };
    expect(stats.loads['smollm2-135m']).toBe(1);
  });

  it('unloads an idle model when its TTL runs out: Ollama /api/ps no longer lists it', async () => {
    await ask('gemma-ollama');
    const listed = async () =>
      ((await (await fetch(`${ollama!.url}/api/ps`)).json()) as { models: { name: string }[] }).models.some((m) => m.name === `${ttlModel}:latest`);
    expect(await listed()).toBe(true);
    await until(async () => !(await listed()), 15_000);
    // The scheduler counts the memory free once the unload call returns (it confirms via /api/ps);
    // on a shared Ollama busy with other files' generations that call can wait its turn.
    await until(async () => (await ps()).models.find((m) => m.id === `ollama/${ttlModel}:latest`)!.state === 'unloaded', 30_000);
    expect(await listed()).toBe(false);
  });

  it('stops the managed process when its TTL runs out', async () => {
    await ask('smol-ttl');
    const runner = gw.runtime.snapshot.upstreams.get('runner') as ManagedUpstream;
    const pid = runner.pidOf('smol-ttl')!;
    expect(pid).toBeGreaterThan(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(async () => !alive(), 15_000);
    expect((await runner.loaded()).map((m) => m.upstreamModel)).not.toContain('smol-ttl');
  });

  it('sends SSE keep-alive comments with progress while a streamed request waits for a cold load', async () => {
    await fetch(`${gw.url}/admin/models/gemma/unload`, { method: 'POST', headers: { authorization: `Bearer ${testKey}` } });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemma', stream: true, max_tokens: 4, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^: (loading|waiting for) model gemma/m);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
  });
});

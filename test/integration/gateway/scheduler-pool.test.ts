// Every wait is the scheduler's visible, bounded queue: leases never outnumber the upstream's
// connection pool (nothing waits inside undici), overflow gets 429 queue_full, a queue timeout 503,
// both with Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { ManualClock, MemoryLogger } from '../../../src/core';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { until } from '../../helpers/wait';

const headers = { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' };

interface PsModel {
  id: string;
  inFlight: number;
  queued: number;
}

async function psModel(gw: TestGateway, id: string): Promise<PsModel | undefined> {
  const body = (await (await fetch(`${gw.url}/admin/ps`, { headers })).json()) as { models: PsModel[] };
  return body.models.find((m) => m.id === id);
}

function chat(gw: TestGateway, model: string, stream: boolean, signal?: AbortSignal): Promise<Response> {
  return fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers,
    signal,
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'x' }] }),
  });
}

describe('scheduler and the upstream connection pool', () => {
  const pool = 4;
  const maxQueue = 4;
  let up: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    // Streams of about two seconds: long enough for every request to arrive while the first ones run.
    up = await startFakeUpstream({ kind: 'stream', chunks: 40, gapMs: 50 });
    gw = await startGateway(
      {
        scheduler: { maxQueuePerModel: maxQueue },
        upstreams: [{ name: 'small', type: 'openai', url: up.url, discover: false, connections: pool }],
        models: [{ name: 'served', upstream: 'small' }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('leases no more than the pool holds, queues up to the bound and turns the rest away with 429', async () => {
    const total = pool + maxQueue + 4;
    const responses = Array.from({ length: total }, () => chat(gw, 'served', true));
    const settled = responses.map((r) => r.then(async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() })));

    // Every lease reaches the upstream: leased and open upstream requests are the same set.
    await until(() => up.active === pool, 5_000, 'the pool to fill');
    await until(async () => (await psModel(gw, 'small/served'))?.queued === maxQueue, 5_000, 'the queue to fill');
    expect(await psModel(gw, 'small/served')).toMatchObject({ inFlight: pool, queued: maxQueue });
    expect(up.active).toBe(pool);

    const results = await Promise.all(settled);
    const rejected = results.filter((r) => r.status === 429);
    expect(rejected).toHaveLength(total - pool - maxQueue);
    for (const r of rejected) {
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'queue_full' } });
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    }
    const served = results.filter((r) => r.status === 200);
    expect(served).toHaveLength(pool + maxQueue);
    expect(served.every((r) => r.body.trimEnd().endsWith('data: [DONE]'))).toBe(true);
    expect(up.maxActive).toBe(pool);
    expect(up.requests).toHaveLength(pool + maxQueue);
  });
});

describe('scheduler queue timeout over HTTP', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  const clock = new ManualClock(Date.now());

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'hang' });
    gw = await startGateway(
      {
        scheduler: {},
        upstreams: [{ name: 'slow', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'single', upstream: 'slow', parallel: 1 }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }), clock },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('answers a request that waited past its class deadline with 503 queue_timeout and Retry-After', async () => {
    const first = new AbortController();
    const holding = chat(gw, 'single', false, first.signal).catch(() => undefined);
    await until(() => up.active === 1, 5_000, 'the first request to reach the upstream');
    const waiting = chat(gw, 'single', false);
    await until(async () => (await psModel(gw, 'slow/single'))?.queued === 1, 5_000, 'the second request to queue');

    clock.advance(120_000); // the standard class' maximum queue wait
    const res = await waiting;
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('queue_timeout');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    first.abort();
    await holding;
  });
});

describe('scheduler and an abandoned stream in drain mode', () => {
  let up: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'stream', chunks: 40, gapMs: 50 });
    gw = await startGateway(
      {
        scheduler: {},
        upstreams: [{ name: 'draining', type: 'openai', url: up.url, discover: false, onDisconnect: 'drain', connections: 1 }],
        models: [{ name: 'served', upstream: 'draining' }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('keeps the lease while the upstream finishes the generation, so the next request queues visibly', async () => {
    const client = new AbortController();
    // The first request loads the model, so it is granted through the queue, not the fast path.
    const res = await chat(gw, 'served', true, client.signal);
    const reader = res.body!.getReader();
    await reader.read();
    client.abort();
    await reader.closed.catch(() => undefined);

    const next = chat(gw, 'served', true).then((r) => r.text());
    await until(async () => (await psModel(gw, 'draining/served'))?.queued === 1, 5_000, 'the next request to queue');
    expect(up.active).toBe(1); // still draining the abandoned stream on the pool's only connection
    expect((await psModel(gw, 'draining/served'))?.inFlight).toBe(1);
    expect((await next).trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(up.aborted).toBe(0);
    expect(up.maxActive).toBe(1);
  });
});

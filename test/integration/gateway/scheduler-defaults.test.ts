// The scheduler in front of a plain OpenAI-compatible server (no load control): it must not
// serialise requests the server could run side by side.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { until } from '../../helpers/wait';

describe('scheduler defaults for uncontrolled upstreams', () => {
  let up: FakeUpstream;
  let gw: TestGateway;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'stream', chunks: 40, gapMs: 50 });
    gw = await startGateway(
      { scheduler: {}, upstreams: [{ name: 'vllm', type: 'openai', url: up.url, discover: false }], models: [{ name: 'served', upstream: 'vllm' }] },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('leases ten concurrent streams at once instead of queueing them', async () => {
    const headers = { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' };
    const streams = Array.from({ length: 10 }, () =>
      fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'served', stream: true, messages: [{ role: 'user', content: 'x' }] }),
      }).then((r) => r.text()),
    );
    const ps = async () =>
      ((await (await fetch(`${gw.url}/admin/ps`, { headers })).json()) as { models: { id: string; inFlight: number; queued: number }[] }).models.find(
        (m) => m.id === 'vllm/served',
      );
    await until(async () => (await ps())?.inFlight === 10, 5_000, 'ten leases in flight');
    expect((await ps())!.queued).toBe(0);
    const bodies = await Promise.all(streams);
    expect(bodies.every((b) => b.trimEnd().endsWith('data: [DONE]'))).toBe(true);
  });
});

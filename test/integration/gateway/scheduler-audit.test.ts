// The scheduler's evictions reach the gateway's audit sink, with the reason and the bytes freed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
import type { GatewayDeps } from '../../../src/gateway';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';

type AuditRecord = Parameters<NonNullable<GatewayDeps['audit']>>[0];

const GiB = 2 ** 30;

describe('scheduler audit', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  const audited: AuditRecord[] = [];

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    const extend = extendRuntime({ logger: new MemoryLogger(), audit: (event) => audited.push(event) });
    gw = await startGateway(
      {
        // Room for one of the two models: asking for the second evicts the first.
        scheduler: { ram: { budget: 3 * GiB, reserve: 0 } },
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [
          { name: 'first', upstream: 'fake', upstreamModel: 'first', footprint: { ramBytes: 2 * GiB } },
          { name: 'second', upstream: 'fake', upstreamModel: 'second', footprint: { ramBytes: 2 * GiB } },
        ],
      },
      { extend },
    );
  });

  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const chat = (model: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }),
    });

  it('records a budget eviction with the model, the reason and the bytes freed', async () => {
    expect((await chat('first')).status).toBe(200);
    expect(audited.filter((e) => e.type === 'scheduler.eviction')).toEqual([]);
    expect((await chat('second')).status).toBe(200);
    expect(audited.filter((e) => e.type === 'scheduler.eviction')).toEqual([
      {
        type: 'scheduler.eviction',
        actor: 'scheduler',
        target: 'fake/first',
        outcome: 'ok',
        details: { reason: 'budget', freedBytes: 2 * GiB, freedByResource: { ram: 2 * GiB }, forModel: 'fake/second' },
      },
    ]);
  });
});

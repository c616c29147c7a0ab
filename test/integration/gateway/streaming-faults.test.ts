// Disconnects and failures around streams: cancel reaches the upstream, drain lets it finish,
// a mid-stream death becomes an SSE error event, and abandoned requests are recorded as 499.
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeFinished } from '../../../src/core';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { until } from '../../helpers/wait';

const headers = { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' };
const chatBody = (stream: boolean) => JSON.stringify({ model: 'fake', stream, messages: [{ role: 'user', content: 'hi' }] });

describe('streaming faults', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  const outcomes: ExchangeFinished[] = [];

  async function setup(onDisconnect: 'cancel' | 'drain', behaviour: Parameters<typeof startFakeUpstream>[0]) {
    up = await startFakeUpstream(behaviour);
    gw = await startGateway(
      { upstreams: [{ name: 'fake', type: 'openai', url: up.url, onDisconnect, discover: false }], models: [{ name: 'fake', upstream: 'fake' }] },
      { extend: () => ({ sinks: [{ exchangeFinished: (e) => void outcomes.push(e) }] }) },
    );
  }

  afterEach(async () => {
    outcomes.length = 0;
    await gw?.close();
    await up?.close();
  });

  async function readFirstChunkThenAbort(): Promise<void> {
    const ac = new AbortController();
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody(true), signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('data: ');
    ac.abort();
  }

  it('cancels the upstream request when the client disconnects, and records 499', async () => {
    await setup('cancel', { kind: 'stream', chunks: 200, gapMs: 20 });
    await readFirstChunkThenAbort();
    await until(() => up.aborted === 1);
    expect(up.completed).toBe(0);
    await until(() => outcomes.length === 1);
    expect(outcomes[0]).toMatchObject({ status: 499, errorCode: 'client_closed_request', model: 'fake' });
    expect(outcomes[0]!.answer).toContain('t0');
  });

  it('lets the upstream finish in drain mode, recording the whole answer with 499', async () => {
    await setup('drain', { kind: 'stream', chunks: 20, gapMs: 10 });
    await readFirstChunkThenAbort();
    await until(() => outcomes.length === 1);
    expect(up.completed).toBe(1);
    expect(up.aborted).toBe(0);
    expect(outcomes[0]!.status).toBe(499);
    expect(outcomes[0]!.answer).toContain('t19');
  });

  it('turns an upstream death mid-stream into an SSE error event followed by [DONE]', async () => {
    await setup('cancel', { kind: 'die-after', chunks: 3 });
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody(true) });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const error = JSON.parse(events.at(-2)!.replace(/^data: /, '')) as { error: { code: string; type: string; message: string } };
    expect(error.error.type).toBe('server_error');
    expect(['upstream_unavailable', 'upstream_error']).toContain(error.error.code);
    expect(events.filter((e) => e.includes('chat.completion.chunk'))).toHaveLength(3);
    await until(() => outcomes.length === 1);
    expect(outcomes[0]!.status).toBeGreaterThanOrEqual(500);
  });

  it('cancels a non-streaming upstream call when the client disconnects', async () => {
    await setup('cancel', { kind: 'hang' });
    const ac = new AbortController();
    const pending = fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody(false), signal: ac.signal }).catch((e: Error) => e);
    await until(() => up.requests.length === 1);
    ac.abort();
    await pending;
    await until(() => up.aborted === 1);
    await until(() => outcomes.length === 1);
    expect(outcomes[0]!.status).toBe(499);
  });
});

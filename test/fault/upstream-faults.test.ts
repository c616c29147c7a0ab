// Upstream faults as the client sees them, and as they are recorded: refused connections, a hang
// before the headers, an error status, a stream cut or stalled mid-way. Each failure reaches the
// client as its status or as an SSE error event then `[DONE]`, and is one record marked with it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type Behaviour, type FakeUpstream } from '../helpers/fake-upstream';
import { until } from '../helpers/wait';
import { closedPort, dataEvents, startFaultGateway, type FaultGateway } from './harness';

interface Case {
  fault: string;
  /** The fake's behaviour; undefined: the `down` upstream, whose port refuses connections. */
  behaviour?: Behaviour;
  stream: boolean;
  status: number;
  code: string;
  /** Chunks the client received before the error event (streams that had started). */
  before?: number;
}

const cases: Case[] = [
  { fault: 'connection refused', stream: false, status: 502, code: 'upstream_unavailable' },
  { fault: 'connection refused', stream: true, status: 502, code: 'upstream_unavailable' },
  { fault: 'no headers within headersMs', behaviour: { kind: 'hang' }, stream: false, status: 504, code: 'upstream_timeout' },
  { fault: 'no headers within headersMs', behaviour: { kind: 'hang' }, stream: true, status: 504, code: 'upstream_timeout' },
  { fault: 'HTTP 500', behaviour: { kind: 'status', status: 500, body: { detail: 'boom' } }, stream: false, status: 502, code: 'upstream_error' },
  { fault: 'HTTP 500', behaviour: { kind: 'status', status: 500, body: { detail: 'boom' } }, stream: true, status: 502, code: 'upstream_error' },
  { fault: 'socket cut mid-stream', behaviour: { kind: 'die-after', chunks: 3 }, stream: true, status: 502, code: 'upstream_unavailable', before: 3 },
  {
    fault: 'stream stalls past bodyMs',
    behaviour: { kind: 'stream', chunks: 4, gapMs: 5_000 },
    stream: true,
    status: 504,
    code: 'upstream_timeout',
    before: 1,
  },
];

describe('upstream faults', () => {
  let up: FakeUpstream;
  let gw: FaultGateway;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    const timeouts = { connectMs: 1_000, headersMs: 300, bodyMs: 300 };
    gw = await startFaultGateway({
      upstreams: [
        { name: 'fake', type: 'openai', url: up.url, discover: false, timeouts },
        { name: 'down', type: 'openai', url: `http://127.0.0.1:${await closedPort()}`, discover: false, timeouts },
      ],
      models: [
        { name: 'fake', upstream: 'fake' },
        { name: 'gone', upstream: 'down' },
      ],
    });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });
  beforeEach(() => {
    gw.finished.length = 0;
  });

  it.each(cases)('$fault (stream: $stream) → $status $code, one record marked with it', async (c) => {
    if (c.behaviour) up.behaviour = c.behaviour;
    const res = await gw.chat(c.behaviour ? 'fake' : 'gone', { stream: c.stream });
    const text = await res.text();
    if (c.before === undefined) {
      expect(res.status).toBe(c.status);
      const body = JSON.parse(text) as { error: { code: string; type: string; message: string; param: unknown } };
      expect(body.error).toMatchObject({ code: c.code, type: 'server_error' });
      expect(body.error.message).not.toBe('');
    } else {
      // The stream had started: the failure is an event in it, then [DONE], never a silent close.
      expect(res.status).toBe(200);
      const events = dataEvents(text);
      expect(events.at(-1)).toBe('[DONE]');
      expect(JSON.parse(events.at(-2)!)).toMatchObject({ error: { code: c.code, type: 'server_error' } });
      expect(events.filter((e) => e.includes('chat.completion.chunk'))).toHaveLength(c.before);
    }
    await until(() => gw.finished.length >= 1, 5_000, 'the exchange record');
    // Give a second record (a double finish) the chance to appear before counting.
    await new Promise((r) => setImmediate(r));
    expect(gw.finished).toHaveLength(1);
    expect(gw.finished[0]).toMatchObject({ status: c.status, errorCode: c.code, stream: c.stream });
  });
});

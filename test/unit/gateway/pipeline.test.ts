// The whole request path with fakes for the upstream, the scheduler and the policy: every stage
// observable, once in process (`app.request`) and once over a real Node socket, where the server's
// own shortcuts (reading the body from IncomingMessage, hearing the client leave from the
// ServerResponse) take over.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, type ExchangeFinished } from '../../../src/core';
import { opaRequestPolicy } from '../../../src/gateway/policy-adapter';
import { UsageMeter } from '../../../src/gateway/usage-meter';
import { FakePolicyEngine } from '../../../src/policy';
import { fromAddress, inProcessApp, scriptedUpstream, type InProcessApp, type ScriptedUpstream } from '../../helpers/app';
import { FakeGate } from '../../helpers/fake-gate';
import { until } from '../../helpers/wait';
import { modelEntry } from './fixtures';

interface Harness extends InProcessApp {
  upstream: ScriptedUpstream;
  gate: FakeGate;
  finished: ExchangeFinished[];
  engine: FakePolicyEngine;
}

function harness(): Harness {
  const gate = new FakeGate();
  const finished: ExchangeFinished[] = [];
  // Allows everything, capping max_tokens at 50 as a role limit would.
  const engine = new FakePolicyEngine((input) =>
    input.model?.name === 'secret'
      ? { allow: false, reasons: ['model not allowed'] }
      : { allow: true, reasons: ['max_tokens capped'], obligations: { max_tokens: 50, priority: 'batch' } },
  );
  const upstream = scriptedUpstream();
  const app = inProcessApp({
    upstream,
    models: [
      modelEntry(),
      modelEntry({ name: 'secret', upstreamModel: 'secret' }),
      modelEntry({ name: 'embed', upstreamModel: 'embed', capabilities: { chat: false, completion: false, embeddings: true, tools: 'none', vision: false } }),
    ],
    scheduler: gate,
    policy: (clock, audit) => opaRequestPolicy(engine, clock, new UsageMeter(clock), audit),
    sinks: [{ exchangeFinished: (e) => void finished.push(e) }],
  });
  return { ...app, upstream, gate, finished, engine };
}

type Call = (h: Harness, path: string, init?: RequestInit) => Promise<Response>;

const servers: ServerType[] = [];

/** The same app behind a real @hono/node-server socket on loopback. */
const overSocket: Call = async (h, path, init) => {
  let server = (h as Harness & { server?: ServerType }).server;
  if (!server) {
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
    });
    servers.push(server);
    (h as Harness & { server?: ServerType }).server = server;
  }
  const { port } = server.address() as AddressInfo;
  return fetch(`http://127.0.0.1:${port}${path}`, init);
};

const inProcess: Call = (h, path, init) => Promise.resolve(h.app.request(path, init, fromAddress('127.0.0.1')));

const chat = (body: Record<string, unknown>): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

describe.each([
  ['in process', inProcess],
  ['over a node-server socket', overSocket],
] as const)('the request path (%s)', (_name, call) => {
  let h: Harness;
  beforeAll(() => {
    h = harness();
  });
  afterEach(() => {
    h.finished.length = 0;
    h.upstream.script = { kind: 'whole', content: 'ok' };
    h.gate.mode = 'ready';
  });

  it('runs every stage for a whole answer and finishes once with one lease released', async () => {
    const res = await call(h, '/v1/chat/completions', chat({ max_tokens: 500 }));
    expect(res.status).toBe(200);
    // resolve: the public name and the upstream; authorize: the decision id.
    expect(res.headers.get('x-aegis-model')).toBe('m@1');
    expect(res.headers.get('x-aegis-upstream')).toBe('u');
    const decisionId = res.headers.get('x-aegis-decision-id');
    expect(decisionId).toMatch(/^fake-/);
    const body = (await res.json()) as { model: string; choices: { message: { content: string } }[] };
    expect(body.model).toBe('m');
    expect(body.choices[0]!.message.content).toBe('ok');
    // The obligation reached the upstream; the policy's priority reached the scheduler.
    expect(h.upstream.calls.at(-1)).toMatchObject({ max_tokens: 50, stream: false });
    expect(h.gate.priorities.at(-1)).toBe('batch');
    expect(h.gate.leases.at(-1)!.released).toBe(1);
    expect(h.finished).toHaveLength(1);
    expect(h.finished[0]).toMatchObject({
      status: 200,
      route: 'chat',
      answer: 'ok',
      turns: 1,
      usage: { total_tokens: 5 },
      decision: { id: decisionId, reasons: ['max_tokens capped'] },
    });
  });

  it('streams OpenAI chunks with the public model name, the usage chunk asked for, and [DONE]', async () => {
    h.upstream.script = { kind: 'stream', deltas: ['Hel', 'lo'] };
    const res = await call(h, '/v1/chat/completions', chat({ stream: true, stream_options: { include_usage: true } }));
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const parsed = events.slice(0, -1).map((e) => JSON.parse(e.slice('data: '.length)) as { model: string; choices: unknown[]; usage?: unknown });
    expect(parsed.every((c) => c.model === 'm')).toBe(true);
    expect(parsed.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 5 } });
    expect(parsed.slice(0, -1).some((c) => c.usage !== undefined)).toBe(false);
    expect(h.finished).toHaveLength(1);
    expect(h.finished[0]).toMatchObject({ status: 200, stream: true, answer: 'Hello', finishReason: 'stop' });
    expect(h.gate.leases.at(-1)!.released).toBe(1);
  });

  it('keeps the usage to itself when the client did not ask, but still records it', async () => {
    h.upstream.script = { kind: 'stream', deltas: ['x'] };
    const text = await (await call(h, '/v1/chat/completions', chat({ stream: true }))).text();
    expect(text).not.toContain('"usage"');
    expect(h.upstream.calls.at(-1)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(h.finished[0]!.usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('refuses before admission: unknown model, denied policy — no lease, no upstream call, no record', async () => {
    const calls = h.upstream.calls.length;
    const leases = h.gate.leases.length;
    expect(
      (await call(h, '/v1/chat/completions', { ...chat({}), body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }) })).status,
    ).toBe(404);
    const denied = await call(h, '/v1/chat/completions', {
      ...chat({}),
      body: JSON.stringify({ model: 'secret', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('x-aegis-decision-id')).toMatch(/^fake-/);
    expect(h.upstream.calls.length).toBe(calls);
    expect(h.gate.leases.length).toBe(leases);
    expect(h.finished).toHaveLength(0);
  });

  it('finishes a failed upstream call with its status and releases the lease', async () => {
    h.upstream.script = { kind: 'fail', error: new GatewayError('upstream_unavailable', 'Upstream "u" is unreachable (ECONNREFUSED).') };
    const res = await call(h, '/v1/chat/completions', chat({}));
    expect(res.status).toBe(502);
    expect(h.finished[0]).toMatchObject({ status: 502, errorCode: 'upstream_unavailable' });
    expect(h.gate.leases.at(-1)!.released).toBe(1);
  });

  it('turns a stream that dies after its first bytes into an error event then [DONE]', async () => {
    h.upstream.script = { kind: 'die', deltas: ['par'], error: new GatewayError('upstream_error', 'Upstream "u" closed the stream before it finished.') };
    const text = await (await call(h, '/v1/chat/completions', chat({ stream: true }))).text();
    expect(text).toContain('"code":"upstream_error"');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(h.finished[0]).toMatchObject({ status: 502, answer: 'par' });
  });

  it('waits in the scheduler queue when no slot is free, then serves under the granted lease', async () => {
    h.gate.mode = 'queue';
    const pending = call(h, '/v1/chat/completions', chat({}));
    await until(() => h.gate.queued.length > 0, 2_000, 'the request to queue');
    const lease = h.gate.queued.shift()!.grant();
    expect((await pending).status).toBe(200);
    expect(lease.released).toBe(1);
    expect(h.finished[0]).toMatchObject({ status: 200 });
  });

  it('ends a preempted stream with a preempted error and records 503', async () => {
    h.upstream.script = { kind: 'stream', deltas: ['a'] };
    h.gate.mode = 'queue';
    const calls = h.upstream.calls.length;
    const pending = call(h, '/v1/chat/completions', chat({ stream: true }));
    await until(() => h.gate.queued.length > 0, 2_000, 'the request to queue');
    const lease = h.gate.queued.shift()!.grant();
    // Revoked as soon as it is granted, before the exchange resumes to call the upstream.
    lease.revoke(new GatewayError('preempted', 'The request was preempted by a higher-priority model.', { retryAfter: 5 }));
    const res = await pending;
    const text = res.status === 200 ? await res.text() : JSON.stringify(await res.json());
    expect(text).toContain('preempted');
    expect(h.finished[0]).toMatchObject({ status: 503, errorCode: 'preempted' });
    // Cut before the call: the runtime was never asked.
    expect(h.upstream.calls.length).toBe(calls);
    expect(lease.released).toBe(1);
  });

  it('serves embeddings through the same stages, encoding base64 itself', async () => {
    const res = await call(h, '/v1/embeddings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed', input: ['a', 'b'], encoding_format: 'base64' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; data: { embedding: string }[] };
    expect(body.model).toBe('embed');
    expect(Buffer.from(body.data[0]!.embedding, 'base64')).toEqual(Buffer.from(new Float32Array([0.5, -1]).buffer));
    // The upstream is never asked for an encoding it may not honour.
    expect(h.upstream.calls.at(-1)).not.toHaveProperty('encoding_format');
    expect(h.finished[0]).toMatchObject({ route: 'embeddings', status: 200, usage: { prompt_tokens: 2 } });
  });

  it('refuses a streamed embeddings request with 400 naming stream, instead of blaming the upstream', async () => {
    const calls = h.upstream.calls.length;
    const res = await call(h, '/v1/embeddings', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'embed', input: 'a', stream: true }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string; code: string } }).error).toMatchObject({ param: 'stream', code: 'invalid_request' });
    expect(h.upstream.calls.length).toBe(calls);
  });
});

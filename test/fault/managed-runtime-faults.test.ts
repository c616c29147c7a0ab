// A runtime process Aegis manages fails: it dies during a generation, dies before it is healthy, or
// never becomes healthy within `startupTimeoutMs`. The client gets an SSE error event then [DONE],
// or 503 model_load_failed naming the cause; each is one record; the next request is served again.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManagedUpstream } from '../../src/upstreams';
import { until } from '../helpers/wait';
import { dataEvents, startFaultGateway, type FaultGateway } from './harness';

const runtime = fileURLToPath(new URL('./fixtures/faulty-runtime.mjs', import.meta.url));

function managed(mode: string, startupTimeoutMs = 5_000) {
  return {
    upstreams: [
      {
        name: 'runner',
        type: 'managed',
        timeouts: { connectMs: 1_000, headersMs: 2_000, bodyMs: 2_000 },
        managed: { command: [process.execPath, runtime, '${PORT}', mode], startupTimeoutMs, stopGraceMs: 500, restart: { backoffMs: 50, maxRestarts: 3 } },
      },
    ],
    models: [{ name: 'fake', upstream: 'runner', path: '/models/fake.gguf' }],
  };
}

describe('managed runtime faults', () => {
  let gw: FaultGateway | undefined;
  afterEach(async () => {
    await gw?.close();
    gw = undefined;
  });

  const runner = () => gw!.runtime.deps.snapshot().upstreams.get('runner') as ManagedUpstream;

  it('turns a crash during generation into an SSE error event then [DONE], and restarts the runtime', async () => {
    gw = await startFaultGateway(managed('crash-on-stream'));
    const res = await gw.chat('fake', { stream: true });
    expect(res.status).toBe(200);
    const events = dataEvents(await res.text());
    const pid = runner().pidOf('fake');
    expect(events.filter((e) => e.includes('chat.completion.chunk'))).toHaveLength(2);
    expect(events.at(-1)).toBe('[DONE]');
    expect(JSON.parse(events.at(-2)!)).toMatchObject({ error: { type: 'server_error', code: 'upstream_unavailable' } });
    await until(() => gw!.finished.length === 1, 5_000, 'the record');
    expect(gw.finished[0]).toMatchObject({ status: 502, errorCode: 'upstream_unavailable', answer: 'one two ' });

    // The runner restarts the process it lost, and the next request is answered by the new one.
    await until(() => runner().pidOf('fake') !== pid && runner().pidOf('fake'), 10_000, 'the restarted runtime');
    const again = await gw.chat('fake');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe(`pid ${runner().pidOf('fake')}`);
  });

  it.each([
    { what: 'exits before it is healthy', mode: 'exit-at-start', cause: /exited with 3.*cannot open model file/ },
    { what: 'is not healthy within startupTimeoutMs', mode: 'never-healthy', cause: /timed out/ },
  ])('answers 503 model_load_failed when the runtime $what, and records it', async ({ mode, cause }) => {
    gw = await startFaultGateway(managed(mode, 600));
    const res = await gw.chat('fake');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).not.toBeNull();
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('model_load_failed');
    expect(body.error.message).toMatch(cause);
    await until(() => gw!.finished.length === 1, 5_000, 'the record');
    expect(gw.finished[0]).toMatchObject({ status: 503, errorCode: 'model_load_failed' });
  });
});

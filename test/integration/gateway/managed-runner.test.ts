// The managed runner's process machinery: start on demand, restart with back-off after a crash,
// stop on unload, and a clear load failure when the runtime cannot start.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config';
import { GatewayError, silentLogger } from '../../../src/core';
import { ManagedUpstream } from '../../../src/upstreams';
import { until } from '../../helpers/wait';

const script = fileURLToPath(new URL('../../helpers/fake-runtime.mjs', import.meta.url));
const model = { name: 'fake', upstreamModel: 'fake', path: '/models/fake.gguf' };
const ctx = () => ({ model, signal: new AbortController().signal, requestId: 'r' });

function upstream(command: string[]): ManagedUpstream {
  const config = parseConfig(
    JSON.stringify({
      upstreams: [
        { name: 'runner', type: 'managed', managed: { command, startupTimeoutMs: 5_000, stopGraceMs: 1_000, restart: { backoffMs: 100, maxRestarts: 3 } } },
      ],
    }),
  );
  return new ManagedUpstream(config.upstreams[0]!, silentLogger);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('managed runner', () => {
  let up: ManagedUpstream | undefined;
  afterEach(async () => {
    await up?.close();
    up = undefined;
  });

  it('starts the process with the port and model substituted, restarts it after a crash, and stops it on unload', async () => {
    up = upstream([process.execPath, script, '${PORT}', '${MODEL}']);
    const first = await up.chat({ model: 'fake', messages: [{ role: 'user', content: 'x' }] }, ctx());
    const pid1 = up.pidOf('fake')!;
    expect(first.kind === 'json' && first.body.choices[0]!.message.content).toBe(`pid ${pid1}`);

    process.kill(pid1, 'SIGKILL');
    const pid2 = await until(
      () => {
        const p = up!.pidOf('fake');
        return p && p !== pid1 ? p : undefined;
      },
      10_000,
      'the restarted process',
    );
    const again = await up.chat({ model: 'fake', messages: [{ role: 'user', content: 'x' }] }, ctx());
    expect(again.kind === 'json' && again.body.choices[0]!.message.content).toBe(`pid ${pid2}`);
    expect((await up.loaded()).map((m) => m.upstreamModel)).toEqual(['fake']);

    await up.unload(model);
    expect(alive(pid2)).toBe(false);
    expect(await up.loaded()).toEqual([]);
  });

  it('fails the load with model_load_failed and the runtime output when it cannot start', async () => {
    up = upstream([process.execPath, '-e', 'console.error("no such model file"); process.exit(3)']);
    const err = await up.load(model).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('model_load_failed');
    expect((err as GatewayError).status).toBe(503);
    expect((err as GatewayError).message).toMatch(/exited with 3.*no such model file/);
  });
});

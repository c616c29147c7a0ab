// `server.socket`: the same app and keys on a Unix socket (a named pipe on Windows), reached by the
// openai npm client through an undici Agent that connects to the socket instead of TCP.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';

describe('the gateway on a local socket', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  let dir: string;
  let socketPath: string;
  let agent: Agent;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'aegis-socket-'));
    socketPath = process.platform === 'win32' ? `\\\\.\\pipe\\aegis-test-${process.pid}` : join(dir, 'aegis.sock');
    up = await startFakeUpstream({ kind: 'json', content: 'over the socket' });
    gw = await startGateway({
      upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
      models: [{ name: 'fake', upstream: 'fake' }],
    });
    await gw.runtime.listenSocket(socketPath);
    agent = new Agent({ connect: { socketPath } });
  });

  afterAll(async () => {
    await agent?.close();
    await gw?.close();
    await up?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const client = (apiKey: string) =>
    new OpenAI({
      baseURL: 'http://localhost/v1',
      apiKey,
      maxRetries: 0,
      fetch: ((url: string, init: Record<string, unknown>) => undiciFetch(url, { ...init, dispatcher: agent })) as never,
    });

  it('answers a chat from the openai client with the same keys', async () => {
    const completion = await client(testKey).chat.completions.create({ model: 'fake', messages: [{ role: 'user', content: 'hi' }] });
    expect(completion.choices[0]!.message.content).toBe('over the socket');
    expect(up.requests).toHaveLength(1);
  });

  it('refuses a wrong key with 401', async () => {
    await expect(client('wrong-key').models.list()).rejects.toMatchObject({ status: 401 });
  });

  it.skipIf(process.platform === 'win32')('leaves the socket file readable by its owner only', async () => {
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
  });
});

// The listener `aegis serve` opens keeps idle keep-alive sockets longer than the clients that pool
// them: Node's own 5 s default let a pooled client send on a socket the server was closing.
import { Server } from 'node:http';
import type { ServerType } from '@hono/node-server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../../src/cli/runtime';
import { startGateway, type TestGateway } from '../../helpers/gateway';

// The runtime keeps its server private; record the one `listen` starts.
const started = vi.hoisted(() => [] as ServerType[]);
vi.mock('@hono/node-server', async (importOriginal) => {
  const original = await importOriginal<typeof import('@hono/node-server')>();
  return {
    ...original,
    serve: (...args: Parameters<typeof original.serve>) => {
      const server = original.serve(...args);
      started.push(server);
      return server;
    },
  };
});

let gateway: TestGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

describe('GatewayRuntime.listen', () => {
  it('keeps idle keep-alive sockets past the pools of common clients, and headers waits longer still', async () => {
    gateway = await startGateway({});
    const server = started.at(-1);
    if (!(server instanceof Server)) throw new Error('expected an HTTP/1.1 server');
    // Longer than nginx's 60 s upstream keepalive and far past Node's 5 s default.
    expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect(KEEP_ALIVE_TIMEOUT_MS).toBeGreaterThan(60_000);
    // A headers timer shorter than the keep-alive would cut idle sockets first.
    expect(server.headersTimeout).toBeGreaterThan(server.keepAliveTimeout);
  });
});

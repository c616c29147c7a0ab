// Cancellation: the AbortSignal subset undici and the adapters use, checked against undici itself.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cancellation } from '../../../src/core';

describe('Cancellation', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Answers headers, then never finishes the body: only an abort ends the call.
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('runs each listener once, on the first abort, with the first reason', () => {
    const c = new Cancellation();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    c.addEventListener('abort', () => calls.push('a'));
    c.addEventListener('abort', removed);
    c.removeEventListener('abort', removed);
    c.addEventListener('abort', () => calls.push('b'));
    c.abort('first');
    c.abort('second');
    expect(calls).toEqual(['a', 'b']);
    expect(c).toMatchObject({ aborted: true, reason: 'first' });
    c.addEventListener('abort', () => calls.push('late')); // already aborted: never called
    expect(calls).toEqual(['a', 'b']);
  });

  it('cuts an undici request before its headers and while its body streams, with its reason', async () => {
    const before = new Cancellation();
    const reason = new Error('client went away');
    before.abort(reason);
    await expect(request(url, { signal: before as unknown as AbortSignal })).rejects.toBe(reason);

    const during = new Cancellation();
    const res = await request(url, { signal: during as unknown as AbortSignal });
    const body = res.body.text();
    during.abort(reason);
    await expect(body).rejects.toBe(reason);
  });
});

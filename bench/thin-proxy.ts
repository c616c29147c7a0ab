// The "thin pass-through" floor of benchmarking.md §3: Hono on @hono/node-server forwarding
// /v1/chat/completions through an undici Agent, parsing and re-serialising the JSON body but doing
// no auth, routing or logging. Aegis' throughput target is relative to this, measured in the same run.
//   tsx bench/thin-proxy.ts --port 9101 --upstream http://127.0.0.1:9001
import { Readable } from 'node:stream';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Agent, request } from 'undici';
import { flag, parseArgs } from '../src/cli/args';

const args = parseArgs(process.argv.slice(2));
const upstream = flag(args, 'upstream') ?? 'http://127.0.0.1:9001';
// No connection cap: a capped pool silently queues streams (benchmarking.md §3, pitfall 1).
const dispatcher = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 60_000 });

const app = new Hono();
app.get('/healthz', (c) => c.json({ status: 'ok' }));
app.post('/v1/chat/completions', async (c) => {
  const body = (await c.req.json()) as Record<string, unknown>;
  const res = await request(`${upstream}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    dispatcher,
    signal: c.req.raw.signal,
  });
  const type = String(res.headers['content-type'] ?? 'application/json');
  if (type.startsWith('text/event-stream')) {
    const stream = Readable.toWeb(res.body) as unknown as ReadableStream<Uint8Array>;
    return new Response(stream, { status: res.statusCode, headers: { 'content-type': type, 'cache-control': 'no-cache' } });
  }
  return c.json((await res.body.json()) as object, res.statusCode as 200);
});

serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(flag(args, 'port') ?? 9101) }, (info) => {
  process.stdout.write(`thin proxy listening http://127.0.0.1:${info.port} -> ${upstream}\n`);
});

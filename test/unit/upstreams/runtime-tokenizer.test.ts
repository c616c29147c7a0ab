// Probing a runtime for its own tokenizer, against small HTTP servers that answer as llama.cpp's
// server and llama-cpp-python do.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { statusError, UpstreamClient } from '../../../src/upstreams/http';
import { probeRuntimeTokenizer } from '../../../src/upstreams/runtime-tokenizer';

type Handler = (path: string, body: Record<string, unknown>) => { status: number; body: unknown };

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: Handler): Promise<{ client: UpstreamClient; seen: { path: string; body: Record<string, unknown> }[] }> {
  const seen: { path: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d));
    req.on('end', () => {
      const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      seen.push({ path: req.url ?? '', body });
      const out = handler(req.url ?? '', body);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(JSON.stringify(out.body));
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { client: new UpstreamClient('t', `http://127.0.0.1:${port}`, new Agent()), seen };
}

const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

describe('probeRuntimeTokenizer', () => {
  it("finds llama.cpp's server: /tokenize without special tokens for texts, /apply-template, /props n_ctx", async () => {
    const { client, seen } = await serve((path, body) => {
      if (path === '/props') return { status: 200, body: { default_generation_settings: { n_ctx: 6144 }, total_slots: 2 } };
      if (path === '/tokenize') return { status: 200, body: { tokens: Array(words(String(body.content)) + (body.add_special ? 1 : 0)).fill(7) } };
      if (path === '/apply-template')
        return { status: 200, body: { prompt: `<s>${(body.messages as { content: string }[]).map((m) => m.content).join(' ')}` } };
      return { status: 404, body: {} };
    });
    const t = (await probeRuntimeTokenizer(client, { model: 'm', timeoutMs: 1000 }))!;
    expect(t).toMatchObject({ runtime: 'llama-server', blocking: false });
    expect(await t.countTexts(['one two', 'three'])).toEqual([2, 1]);
    expect(await t.countRendered('a b c')).toBe(4);
    expect(await t.applyTemplate!([{ role: 'user', content: 'hi there' }], undefined)).toBe('<s>hi there');
    expect(await t.contextLength!()).toBe(6144);
    expect(seen.find((s) => s.path === '/tokenize')?.body).toMatchObject({ add_special: false, parse_special: true });
  });

  it('finds llama-cpp-python and takes off the BOS its count endpoint adds', async () => {
    const { client } = await serve((path, body) => {
      if (path === '/extras/tokenize/count') return { status: 200, body: { count: 1 + words(String(body.input)) } };
      return { status: 404, body: { detail: 'Not Found' } };
    });
    const t = (await probeRuntimeTokenizer(client, { model: 'm', timeoutMs: 1000 }))!;
    expect(t).toMatchObject({ runtime: 'llama-cpp-python', blocking: true });
    expect(await t.countTexts(['one two three', ''])).toEqual([3, 0]);
    expect(t.applyTemplate).toBeUndefined();
  });

  it('finds nothing on a server with neither', async () => {
    const { client } = await serve(() => ({ status: 404, body: {} }));
    expect(await probeRuntimeTokenizer(client, { model: 'm', timeoutMs: 1000 })).toBeUndefined();
  });
});

describe('context refusals', () => {
  it("keeps llama.cpp's figures in the message, so the context length can be learned", () => {
    const e = statusError(
      'l',
      400,
      JSON.stringify({
        error: {
          code: 400,
          message: 'the request exceeds the available context size, try increasing it',
          type: 'exceed_context_size_error',
          n_prompt_tokens: 5000,
          n_ctx: 4096,
        },
      }),
    );
    expect(e.code).toBe('context_length_exceeded');
    expect(e.message).toContain('n_ctx 4096');
  });

  it("maps Ollama's refusal with truncation off to context_length_exceeded", () => {
    expect(statusError('o', 500, '{"error":"the input length exceeds the context length"}').code).toBe('context_length_exceeded');
  });
});

// An OpenAI-compatible upstream that, like llama-cpp-python (its `interrupt_requests`, on by
// default), ends a running completion with `data: [DONE]` right after the role chunk when any other
// request reaches it, a GET /v1/models included. Aegis' health probe and model listing must not be
// that other request while one of its own completions is in flight.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { upstreamSchema } from '../../../src/config';
import { Cancellation, GatewayError } from '../../../src/core';
import { OpenAICompatibleUpstream } from '../../../src/upstreams';
import type { ChatChunk } from '../../../src/core';

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

interface Interrupting {
  url: string;
  /** Paths requested, in order. */
  seen: string[];
  /** Lets the running completion finish normally. */
  finish(): void;
  /** Resolves once a completion reached the server. */
  started: Promise<void>;
}

const servers: Server[] = [];
const upstreams: OpenAICompatibleUpstream[] = [];
afterEach(async () => {
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** `headersFirst`: the role chunk goes out at once; otherwise nothing until the answer (a long prompt eval). */
async function interruptingServer(headersFirst: boolean): Promise<Interrupting> {
  const seen: string[] = [];
  let running: ServerResponse | undefined;
  let release = () => {};
  let started = () => {};
  const startedP = new Promise<void>((r) => (started = r));
  const open = (res: ServerResponse) => {
    if (res.headersSent) return;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(chunk({ role: 'assistant' }));
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      if (running) {
        // What llama-cpp-python does to the completion in progress when another request arrives.
        open(running);
        running.end('data: [DONE]\n\n');
        running = undefined;
      }
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
        return;
      }
      if (headersFirst) open(res);
      running = res;
      release = () => {
        if (running !== res) return;
        running = undefined;
        open(res);
        res.end(`${chunk({ content: 'the whole answer' })}${chunk({}, 'stop')}data: [DONE]\n\n`);
      };
      started();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, seen, finish: () => release(), started: startedP };
}

describe('probing an upstream that interrupts a running completion', () => {
  for (const [label, headersFirst] of [
    ['once the answer started', true],
    ['before the runtime sent any header', false],
  ] as const) {
    it(`neither probes nor lists models while a completion is in flight (${label}), and does both again after it`, async () => {
      const server = await interruptingServer(headersFirst);
      const upstream = new OpenAICompatibleUpstream(upstreamSchema.parse({ name: 'llama-cpp-python', type: 'openai', url: server.url }));
      upstreams.push(upstream);
      expect(await upstream.listModels()).toEqual([{ id: 'm', contextLength: undefined }]);

      const chunks: ChatChunk[] = [];
      const reading = (async () => {
        const result = await upstream.chat(
          { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true },
          { model: { name: 'm', upstreamModel: 'm' }, signal: new Cancellation(), requestId: 'r1' },
        );
        if (result.kind !== 'stream') throw new Error('expected a stream');
        for await (const c of result.chunks) chunks.push(c);
      })();
      await server.started;
      const before = server.seen.length;
      // The status page, /metrics and discovery would send these while the client waits for tokens.
      expect(await upstream.health()).toBe(true);
      expect(await upstream.listModels()).toEqual([{ id: 'm', contextLength: undefined }]);
      expect(server.seen.slice(before)).toEqual([]);

      server.finish();
      await reading;
      expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('the whole answer');
      expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');

      // Idle again once the body closed (a tick after its end): the probe reaches the upstream.
      await new Promise((r) => setImmediate(r));
      expect(await upstream.health()).toBe(true);
      expect(server.seen.at(-1)).toBe('GET /v1/models');
    });
  }

  it('reports a completion another client interrupted as a failed stream, not as a short answer', async () => {
    const server = await interruptingServer(true);
    const upstream = new OpenAICompatibleUpstream(upstreamSchema.parse({ name: 'llama-cpp-python', type: 'openai', url: server.url }));
    upstreams.push(upstream);
    const result = await upstream.chat(
      { model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { model: { name: 'm', upstreamModel: 'm' }, signal: new Cancellation(), requestId: 'r1' },
    );
    if (result.kind !== 'stream') throw new Error('expected a stream');
    const chunks: ChatChunk[] = [];
    const failed = (async () => {
      for await (const c of result.chunks) chunks.push(c);
    })().then(
      () => undefined,
      (err: unknown) => err,
    );
    await server.started;
    // Another client of the same runtime, not Aegis: the runtime ends the running answer with [DONE].
    await fetch(`${server.url}/v1/models`).then((r) => r.text());
    const failure = await failed;
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/without finishing the answer/) });
    expect(chunks.map((c) => c.choices[0]?.delta.role)).toEqual(['assistant']);
  });
});

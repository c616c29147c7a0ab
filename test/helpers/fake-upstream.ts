// A scriptable OpenAI-compatible upstream for edge cases real runtimes cannot be made to produce on
// demand: a stream that dies mid-way, a hang, an error status. It records what it saw.
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chatRequestSchema } from '../../src/core';
import { scriptedChunks, scriptedCompletion, type Script } from './chat-script';

export type Behaviour =
  | { kind: 'stream'; chunks: number; gapMs: number }
  | { kind: 'die-after'; chunks: number }
  | { kind: 'hang' }
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'json'; content: string }
  /** A scripted model (chat-script.ts): tool calls and answers chosen from each request. */
  | { kind: 'script'; script: Script };

export interface FakeUpstream {
  url: string;
  /** Requests whose connection closed before the response finished. */
  aborted: number;
  /** Streams written to the end. */
  completed: number;
  /** Generation requests open right now, and the most that were ever open at once. */
  active: number;
  maxActive: number;
  requests: Record<string, unknown>[];
  /** `request` when a generation request arrives, `aborted` the moment its connection closes early. */
  events: EventEmitter;
  behaviour: Behaviour;
  close(): Promise<void>;
}

function chunk(i: number, content: string, finish: string | null = null): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1, model: 'fake', choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: finish }] })}\n\n`;
}

export async function startFakeUpstream(behaviour: Behaviour): Promise<FakeUpstream> {
  const state: FakeUpstream = {
    url: '',
    aborted: 0,
    completed: 0,
    active: 0,
    maxActive: 0,
    requests: [],
    events: new EventEmitter(),
    behaviour,
    close: async () => {},
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d));
    req.on('end', () => {
      // A runtime without tokenizer endpoints (the context step probes /tokenize and
      // /extras/tokenize/count): 404, and not counted as a request.
      if (req.url !== undefined && !req.url.startsWith('/v1/')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
        return;
      }
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'fake' }] }));
        return;
      }
      state.requests.push(raw ? (JSON.parse(raw) as Record<string, unknown>) : {});
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      state.events.emit('request');
      let finished = false;
      res.on('close', () => {
        state.active--;
        if (finished) return;
        state.aborted++;
        state.events.emit('aborted');
      });
      const b = state.behaviour;
      if (b.kind === 'hang') return;
      if (b.kind === 'status') {
        finished = true;
        res.writeHead(b.status, { 'content-type': 'application/json', ...b.headers }).end(JSON.stringify(b.body));
        return;
      }
      if (b.kind === 'script') {
        finished = true;
        const request = chatRequestSchema.parse(JSON.parse(raw));
        const reply = b.script(request);
        if (!request.stream) {
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(scriptedCompletion(reply)));
          return;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const c of scriptedChunks(reply)) res.write(`data: ${JSON.stringify(c)}\n\n`);
        res.end('data: [DONE]\n\n');
        state.completed++;
        return;
      }
      if (b.kind === 'json') {
        finished = true;
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            id: 'chatcmpl-fake',
            object: 'chat.completion',
            created: 1,
            model: 'fake',
            choices: [{ index: 0, message: { role: 'assistant', content: b.content }, finish_reason: 'stop' }],
            usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const total = b.chunks;
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (b.kind === 'die-after' && i === b.chunks) {
          res.socket?.destroy();
          return;
        }
        if (i === total) {
          res.write(chunk(i, '', 'stop'));
          res.end('data: [DONE]\n\n');
          finished = true;
          state.completed++;
          return;
        }
        res.write(chunk(i, `t${i} `));
        i++;
        setTimeout(next, b.kind === 'stream' ? b.gapMs : 5);
      };
      next();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

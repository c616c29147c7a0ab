// A mock OpenAI-compatible upstream on loopback, run in its own process by bench/run.ts: a fixed
// delay for whole answers, and SSE streams with a time to first token, a token count and an
// inter-token gap. `POST /__mock/config` changes the knobs between phases; `GET /__mock/stats` counts.
// A request with a `response_format` (Aegis' emulated tools decode under a schema) is answered as
// the schema's plain-answer branch, `{"response": "<the tokens>"}`, which Aegis' tool parser reads as content.
//   tsx bench/mock-upstream.ts --port 9001 [--delay-ms 0] [--ttft-ms 20] [--tokens 20] [--gap-ms 10]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { flag, parseArgs } from '../src/cli/args';

export interface MockKnobs {
  /** Delay before a non-streaming answer. 0 answers in the same tick. */
  delayMs: number;
  /** Delay before the first SSE token. */
  ttftMs: number;
  /** Tokens per answer (streamed one per event; joined for a whole answer). */
  tokens: number;
  /** Gap between SSE tokens. */
  gapMs: number;
}

const args = parseArgs(process.argv.slice(2));
const num = (name: string, fallback: number) => Number(flag(args, name) ?? fallback);
const knobs: MockKnobs = { delayMs: num('delay-ms', 0), ttftMs: num('ttft-ms', 20), tokens: num('tokens', 20), gapMs: num('gap-ms', 10) };
const stats = { requests: 0, constrained: 0, streamsOpen: 0, streamsDone: 0, streamsAborted: 0 };
let seq = 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

interface ChatBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { content?: unknown }[];
  response_format?: unknown;
}

function promptTokens(body: ChatBody): number {
  const chars = (body.messages ?? []).reduce((n, m) => n + (typeof m.content === 'string' ? m.content.length : 0), 0);
  return Math.max(1, Math.ceil(chars / 4));
}

function whole(res: ServerResponse, body: ChatBody, k: MockKnobs): void {
  const id = `chatcmpl-mock-${++seq}`;
  const text = Array.from({ length: k.tokens }, (_, i) => `t${i} `).join('');
  const content = body.response_format ? JSON.stringify({ response: text }) : text;
  const prompt = promptTokens(body);
  sendJson(res, 200, {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body.model ?? 'mock',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: prompt, completion_tokens: k.tokens, total_tokens: prompt + k.tokens },
  });
}

function stream(res: ServerResponse, body: ChatBody, k: MockKnobs): void {
  const id = `chatcmpl-mock-${++seq}`;
  const created = Math.floor(Date.now() / 1000);
  const model = JSON.stringify(body.model ?? 'mock');
  const head = `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${model},"choices":[{"index":0,"delta":`;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  stats.streamsOpen++;
  let i = 0;
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const done = (aborted: boolean) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    stats.streamsOpen--;
    if (aborted) stats.streamsAborted++;
    else stats.streamsDone++;
  };
  res.on('close', () => done(!res.writableFinished));
  // Constrained: the JSON answer's opening goes with the first token, its closing before the finish.
  const open = body.response_format ? '{\\"response\\":\\"' : '';
  const close = body.response_format ? `${head}{"content":"\\"}"},"finish_reason":null}]}\n\n` : '';
  const next = () => {
    if (finished) return;
    if (i < k.tokens) {
      const delta = i === 0 ? `{"role":"assistant","content":"${open}t${i} "}` : `{"content":"t${i} "}`;
      res.write(`${head}${delta},"finish_reason":null}]}\n\n`);
      i++;
      timer = setTimeout(next, k.gapMs);
      return;
    }
    let tail = `${close}${head}{},"finish_reason":"stop"}]}\n\n`;
    if (body.stream_options?.include_usage) {
      const prompt = promptTokens(body);
      tail += `data: {"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${model},"choices":[],"usage":{"prompt_tokens":${prompt},"completion_tokens":${k.tokens},"total_tokens":${prompt + k.tokens}}}\n\n`;
    }
    res.end(`${tail}data: [DONE]\n\n`);
    done(false);
  };
  timer = setTimeout(next, k.ttftMs);
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url.endsWith('/models')) {
    sendJson(res, 200, { object: 'list', data: [{ id: 'mock-model', object: 'model', created: 0, owned_by: 'bench' }] });
    return;
  }
  if (url === '/__mock/stats') return sendJson(res, 200, { ...stats, knobs });
  if (req.method === 'POST' && url === '/__mock/config') {
    Object.assign(knobs, JSON.parse(await readBody(req)) as Partial<MockKnobs>);
    return sendJson(res, 200, knobs);
  }
  if (req.method === 'POST' && url.endsWith('/chat/completions')) {
    stats.requests++;
    const body = JSON.parse(await readBody(req)) as ChatBody;
    if (body.response_format) stats.constrained++;
    const k = { ...knobs };
    if (body.stream === true) return stream(res, body, k);
    if (k.delayMs > 0) setTimeout(() => whole(res, body, k), k.delayMs);
    else whole(res, body, k);
    return;
  }
  if (url === '/' || url === '/healthz') return sendJson(res, 200, { status: 'ok' });
  sendJson(res, 404, { error: { message: `mock: no route ${req.method} ${url}`, type: 'invalid_request_error', param: null, code: 'not_found' } });
}

const server = createServer({ keepAlive: true, noDelay: true }, (req, res) => {
  handle(req, res).catch((err: Error) => {
    if (!res.headersSent) sendJson(res, 500, { error: { message: err.message, type: 'server_error', param: null, code: 'mock_error' } });
    else res.destroy();
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0;
server.listen(num('port', 9001), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`mock listening http://127.0.0.1:${port} ${JSON.stringify(knobs)}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

// The soak's mock upstream, in its own process: an OpenAI-compatible chat endpoint that streams or
// answers whole, and fails a share of requests at random: HTTP 500, 429 with Retry-After, the
// socket cut (mid-stream for streams), or a stream that stalls past the gateway's bodyMs.
//   tsx bench/soak/faulty-upstream.ts --port 9100 [--fault-rate 0.05] [--tokens 20] [--gap-ms 40] [--stall-ms 1500]
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { flag, parseArgs } from '../../src/cli/args';

const args = parseArgs(process.argv.slice(2));
const num = (name: string, fallback: number) => Number(flag(args, name) ?? fallback);
const port = num('port', 9100);
const faultRate = num('fault-rate', 0.05);
const tokens = num('tokens', 20);
const gapMs = num('gap-ms', 40);
const stallMs = num('stall-ms', 1_500);

type Fault = 'status500' | 'status429' | 'cut' | 'stall';
const faults: Fault[] = ['status500', 'status429', 'cut', 'stall'];
const stats = { requests: 0, faults: { status500: 0, status429: 0, cut: 0, stall: 0 } as Record<Fault, number>, aborted: 0 };

const chunk = (i: number, content: string, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: 'soak', object: 'chat.completion.chunk', created: 1, model: 'soak', choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content } : { content }, finish_reason: finish }] })}\n\n`;
const usage = `data: ${JSON.stringify({ id: 'soak', object: 'chat.completion.chunk', created: 1, model: 'soak', choices: [], usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: 5 + tokens } })}\n\n`;

function handle(req: IncomingMessage, res: ServerResponse, raw: string): void {
  if (req.url?.endsWith('/models')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'soak' }] }));
    return;
  }
  if (req.url === '/__soak/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
    return;
  }
  if (!req.url?.startsWith('/v1/')) {
    res.writeHead(404).end();
    return;
  }
  stats.requests++;
  const body = JSON.parse(raw) as { stream?: boolean };
  const fault = Math.random() < faultRate ? faults[Math.floor(Math.random() * faults.length)]! : undefined;
  if (fault) stats.faults[fault]++;
  let finished = false;
  res.on('close', () => {
    if (!finished && fault === undefined) stats.aborted++;
  });
  if (fault === 'status500') {
    finished = true;
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'soak: injected failure' } }));
    return;
  }
  if (fault === 'status429') {
    finished = true;
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end(JSON.stringify({ error: { message: 'soak: busy' } }));
    return;
  }
  if (!body.stream) {
    if (fault) {
      // cut or stall before any answer: the socket goes away, or nothing comes until the gateway gives up.
      if (fault === 'cut') res.socket?.destroy();
      else setTimeout(() => res.socket?.destroy(), stallMs);
      return;
    }
    finished = true;
    const content = Array.from({ length: tokens }, (_, i) => `t${i} `).join('');
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        id: 'soak',
        object: 'chat.completion',
        created: 1,
        model: 'soak',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: tokens, total_tokens: 5 + tokens },
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const failAt = fault ? Math.floor(Math.random() * tokens) : -1;
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i === failAt) {
      if (fault === 'cut') res.socket?.destroy();
      else setTimeout(() => res.socket?.destroy(), stallMs);
      return;
    }
    if (i === tokens) {
      finished = true;
      res.end(`${chunk(i, '', 'stop')}${usage}data: [DONE]\n\n`);
      return;
    }
    res.write(chunk(i, `t${i} `));
    i++;
    setTimeout(next, gapMs);
  };
  next();
}

const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (d: Buffer) => (raw += d));
  req.on('end', () => handle(req, res, raw));
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`faulty upstream on ${port}\n`));
process.on('SIGTERM', () => process.exit(0));

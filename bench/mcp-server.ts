// `npx tsx bench/mcp-server.ts [--quick]`: what an MCP `chat` call at `/mcp` adds over the same
// request on POST /v1/chat/completions, through a real gateway on loopback (the runtime `aegis
// serve` builds, keys checked) to a fake upstream in process that answers at once. Both requests
// are sent alternately, one at a time, with undici's fetch; the MCP one is a raw JSON-RPC
// tools/call (what every client sends; the endpoint is stateless, so no session is needed) and
// also through the official SDK client, whose own cost is then part of the figure.
// Writes bench/results/mcp-server.md. Target: ≤ 1 ms added (median).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fetch } from 'undici';
import { startGateway, testKey } from '../test/helpers/gateway';

const TARGET_MS = 1;
const quick = process.argv.includes('--quick');
const REQUESTS = quick ? 300 : 1_500;
const WARMUP = 200;

const completion = JSON.stringify({
  id: 'c1',
  object: 'chat.completion',
  created: 1,
  model: 'fake',
  choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
    res.end(completion);
  });
});
await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
const gw = await startGateway({
  upstreams: [{ name: 'fake', type: 'openai', url: upstreamUrl, discover: false }],
  models: [{ name: 'fake', upstream: 'fake' }],
});

const headers = { 'content-type': 'application/json', authorization: `Bearer ${testKey}` };
const messages = [{ role: 'user', content: 'hi' }];
const chatBody = JSON.stringify({ model: 'fake', messages });
let id = 0;

async function openai(): Promise<void> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers, body: chatBody });
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  if (body.choices[0]?.message.content !== 'ok') throw new Error('bad chat answer');
}

async function mcpRaw(): Promise<void> {
  const res = await fetch(`${gw.url}/mcp`, {
    method: 'POST',
    headers: { ...headers, accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'chat', arguments: { model: 'fake', messages } } }),
  });
  const text = await res.text();
  if (!text.includes('"text":"ok"')) throw new Error(`bad MCP answer: ${text.slice(0, 200)}`);
}

const sdk = new Client({ name: 'bench', version: '1' });
await sdk.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${testKey}` } } }));
async function mcpSdk(): Promise<void> {
  const r = (await sdk.callTool({ name: 'chat', arguments: { model: 'fake', messages } })) as { content: { text: string }[] };
  if (r.content[0]?.text !== 'ok') throw new Error('bad SDK answer');
}

const runs = { openai, mcpRaw, mcpSdk };
type Run = keyof typeof runs;
const times: Record<Run, number[]> = { openai: [], mcpRaw: [], mcpSdk: [] };
/** CPU time (user + system, client and gateway: one process) per request, one figure per block. */
const cpu: Record<Run, number[]> = { openai: [], mcpRaw: [], mcpSdk: [] };
const BLOCKS = 10;
for (let i = 0; i < WARMUP; i++) for (const f of Object.values(runs)) await f();
// Blocks of each kind in turn: a busy machine (other processes) slows whichever block it hits, and
// the median over blocks leaves that out; CPU time counts only what this process itself spent.
for (let b = 0; b < BLOCKS; b++) {
  for (const [name, f] of Object.entries(runs) as [Run, () => Promise<void>][]) {
    const c = process.cpuUsage();
    for (let i = 0; i < REQUESTS / BLOCKS; i++) {
      const t = performance.now();
      await f();
      times[name].push(performance.now() - t);
    }
    const used = process.cpuUsage(c);
    cpu[name].push((used.user + used.system) / 1_000 / (REQUESTS / BLOCKS));
  }
}
await sdk.close();
await gw.close();
upstream.close();

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const median = (xs: number[]) => pct(xs, 50);
const row = (name: string, run: Run) =>
  `| ${name} | ${median(cpu[run]).toFixed(3)} | ${pct(times[run], 50).toFixed(3)} | ${pct(times[run], 90).toFixed(3)} | ${pct(times[run], 99).toFixed(3)} |`;
const added = median(cpu.mcpRaw) - median(cpu.openai);
const addedSdk = median(cpu.mcpSdk) - median(cpu.openai);
const addedWall = pct(times.mcpRaw, 50) - pct(times.openai, 50);
const report = `# MCP endpoint: a \`chat\` tool call vs the same request on /v1/chat/completions

${new Date().toISOString()} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · load ${loadavg()
  .map((l) => l.toFixed(2))
  .join(' ')} · Node ${process.version} · ${REQUESTS} requests each in ${BLOCKS} blocks taking turns, one at a time, after ${WARMUP} warm-up rounds

| request | CPU ms / request (median of ${BLOCKS} blocks) | wall p50 ms | p90 ms | p99 ms |
| --- | --- | --- | --- | --- |
${row('POST /v1/chat/completions (fetch)', 'openai')}
${row('MCP tools/call chat, raw JSON-RPC (fetch)', 'mcpRaw')}
${row('MCP tools/call chat, SDK Client', 'mcpSdk')}

- Added by MCP, raw JSON-RPC: **${added.toFixed(3)} ms of CPU** per call (target ≤ ${TARGET_MS} ms: ${added <= TARGET_MS ? 'met' : 'missed'}); wall-clock p50 difference ${addedWall.toFixed(3)} ms.
- Added by MCP with the official SDK client's own work included: ${addedSdk.toFixed(3)} ms of CPU.
- CPU time is the figure to compare: client, gateway and fake upstream share this process, and on a
  busy machine wall-clock latency mostly measures the other processes.
- What the MCP path does beyond the chat route: a stateless SDK Server and transport per HTTP request,
  JSON-RPC parsing and validation, the tool decision (no policy engine in this bench), the audit
  event, and the answer framed as one SSE event.
`;
const out = fileURLToPath(new URL('./results/mcp-server.md', import.meta.url));
mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
writeFileSync(out, report);
process.stdout.write(report);

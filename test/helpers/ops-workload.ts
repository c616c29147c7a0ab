// A gateway with every subsystem on (scheduler with preemption, policy, recording, per-principal
// series, a key-protected /metrics, context fitting, emulated tools, MCP) over the real
// llama-cpp-python and MCP server-everything of the test world, a dead upstream, a managed fake
// runtime and a scripted tool model, and a scripted workload that exercises each metric family the
// gateway reports. Used by the metrics and Prometheus tests.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { extendRuntime } from '../../src/cli/wiring';
import { MemoryLogger } from '../../src/core';
import { hashKey } from '../../src/gateway';
import type { ManagedUpstream } from '../../src/upstreams';
import { longConversation } from './conversation';
import { startFakeUpstream } from './fake-upstream';
import { startGateway, type TestGateway } from './gateway';
import { addTool, askForCoercion, askForRetry, badToolModel } from './ops-tool-model';
import { parseExposition, type ExposedSample } from './prom-text';
import { until } from './wait';

const MiB = 2 ** 20;
export const opsKey = 'aegis-ops-key-0123456789abcdef';
export const scrapeKey = 'aegis-scrape-key-0123456789abcd';
const fakeRuntime = fileURLToPath(new URL('./fake-runtime.mjs', import.meta.url));

export interface OpsGateway extends TestGateway {
  /** /metrics as Prometheus scrapes it (with the scrape key), parsed. */
  scrape(): Promise<ExposedSample[]>;
}

/** What the workload's gateway runs on: the test world's components it needs. */
export interface OpsWorld {
  /** llama-cpp-python's base URL. */
  llamacpp: string;
  /** server-everything's entry point (run over stdio by this Node). */
  mcpEverything: string;
}

export async function startOpsGateway({ llamacpp: llamacppUrl, mcpEverything }: OpsWorld): Promise<OpsGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-ops-'));
  const scripted = await startFakeUpstream({ kind: 'script', script: badToolModel });
  const gw = await startGateway(
    {
      auth: {
        keys: [
          { id: 'ops', name: 'ops', hash: hashKey(opsKey), roles: ['user', 'admin'] },
          { id: 'prometheus', name: 'prometheus', hash: hashKey(scrapeKey), roles: ['metrics'] },
        ],
      },
      metrics: { requireKey: true, principals: true },
      policy: { enabled: true },
      // Records go into an embedded store of its own, never .aegis/ under the working directory.
      rag: { enabled: true, spool: { dir: join(dir, 'spool') }, embedded: { path: join(dir, 'aegis.db'), maxBytes: 64 * MiB } },
      // One of the two 300 MiB models fits: switching evicts, and a critical request preempts a batch one.
      scheduler: { enabled: true, ram: { budget: `${450 * MiB}`, reserve: 0 }, preemption: { enabled: true, graceMs: 100 } },
      // Free decoding with one constrained retry: the only way parse failures turn into retries.
      // The setting is global, so the real model's tool call is a native one (through MCP).
      tools: { decoding: 'lenient' },
      mcp: {
        maxRounds: 1,
        servers: [
          { name: 'everything', command: [process.execPath, mcpEverything, 'stdio'] },
          // A program that does not exist: every connection attempt fails.
          { name: 'broken', command: [join(dir, 'no-such-mcp-server')] },
        ],
      },
      upstreams: [
        { name: 'llama', type: 'openai', url: llamacppUrl, discover: false },
        { name: 'llama2', type: 'openai', url: llamacppUrl, discover: false },
        // The scheduler counts a runtime's model once, whatever its names: a third upstream keeps
        // the small-window and tool-calling names below apart from smol's and smol-b's memory.
        { name: 'llama3', type: 'openai', url: llamacppUrl, discover: false },
        { name: 'dead', type: 'openai', url: 'http://127.0.0.1:9', discover: false, timeouts: { connectMs: 1_000 } },
        {
          name: 'runner',
          type: 'managed',
          discover: false,
          // Its runtime takes a second and a half to start: a load long enough to watch, or to leave.
          managed: { command: [process.execPath, fakeRuntime, '${PORT}', '${MODEL}', '1500'], startupTimeoutMs: 10_000, restart: { backoffMs: 100 } },
        },
        { name: 'scripted', type: 'openai', url: scripted.url, discover: false },
      ],
      models: [
        {
          name: 'smol',
          upstream: 'llama',
          upstreamModel: 'smollm2-135m',
          priority: 'batch',
          footprint: { ramBytes: 300 * MiB },
          capabilities: { embeddings: true },
        },
        { name: 'smol-b', upstream: 'llama2', upstreamModel: 'smollm2-135m', priority: 'critical', footprint: { ramBytes: 300 * MiB } },
        { name: 'ghost', upstream: 'dead', upstreamModel: 'ghost', footprint: { ramBytes: 10 * MiB } },
        { name: 'huge', upstream: 'llama', upstreamModel: 'huge', footprint: { ramBytes: 4000 * MiB } },
        { name: 'fake', upstream: 'runner', upstreamModel: 'fake', path: '/models/fake.gguf', footprint: { ramBytes: 20 * MiB } },
        // The same real model behind a small window (conversations get cut) and with its runtime's
        // own tool calling (MCP); no footprint, so they never evict the models above.
        { name: 'smol-ctx', upstream: 'llama3', upstreamModel: 'smollm2-135m', contextLength: 512, footprint: { ramBytes: 0 } },
        { name: 'smol-tools', upstream: 'llama3', upstreamModel: 'smollm2-135m', capabilities: { tools: 'native' }, footprint: { ramBytes: 0 } },
        { name: 'toolbot', upstream: 'scripted', upstreamModel: 'toolbot', capabilities: { tools: 'emulated' }, footprint: { ramBytes: 0 } },
      ],
    },
    { extend: extendRuntime({ logger: new MemoryLogger() }) },
  );
  return {
    ...gw,
    async close() {
      await gw.close();
      await scripted.close();
    },
    async scrape() {
      const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${scrapeKey}` } });
      if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
      return parseExposition(await res.text());
    },
  };
}

/** What the workload did, for the assertions. */
export interface WorkloadReport {
  preempted: boolean;
  restartedPid: number;
}

export async function runWorkload(gw: OpsGateway): Promise<WorkloadReport> {
  const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: opsKey, maxRetries: 0 });
  const ask = (model: string, max_tokens = 8) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello.' }], max_tokens });
  const stream = async (model: string, max_tokens = 16, content = 'Count to ten.') => {
    const s = await client.chat.completions.create({ model, messages: [{ role: 'user', content }], max_tokens, stream: true });
    let text = '';
    for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
    return text;
  };
  // Whole and streamed answers, embeddings, then the other model (a budget eviction) and back.
  await ask('smol');
  await stream('smol');
  await stream('smol');
  await client.embeddings.create({ model: 'smol', input: ['metrics for everyone'] });
  await ask('smol-b');
  await ask('smol');
  // Refusals and failures: an unknown model, a bad key, an upstream that is down, a model too big.
  await ask('no-such-model').catch(() => undefined);
  await new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'not-a-key', maxRetries: 0 }).models.list().catch(() => undefined);
  await ask('ghost').catch(() => undefined);
  await ask('huge').catch(() => undefined);
  // A critical request needs the memory a streaming batch request holds: after the grace, preempted.
  let preempted = false;
  const long = stream('smol', 400, 'Write a very long story about a lighthouse keeper and his cat, chapter by chapter.').catch((err: Error) => {
    preempted = /preempt/i.test(err.message);
    return '';
  });
  await until(
    async () => (await gw.scrape()).some((s) => s.name === 'aegis_requests_in_flight' && s.labels.model === 'smol' && s.value > 0),
    30_000,
    'the batch stream',
  );
  await ask('smol-b');
  await long;
  // The managed runtime: a client that leaves while the model loads (499), a request, a crash and
  // its restart, then a manual unload.
  const abort = new AbortController();
  const leaving = client.chat.completions
    .create({ model: 'fake', messages: [{ role: 'user', content: 'hi' }] }, { signal: abort.signal })
    .catch(() => undefined);
  await until(
    async () => (await gw.scrape()).some((s) => s.name === 'aegis_requests_in_flight' && s.labels.model === 'fake' && s.value > 0),
    10_000,
    'the load',
  );
  abort.abort();
  await leaving;
  await until(async () => (await gw.scrape()).some((s) => s.name === 'aegis_client_disconnects_total' && s.value > 0), 10_000, 'the disconnect');
  await ask('fake');
  const runner = gw.runtime.snapshot.upstreams.get('runner') as ManagedUpstream;
  const pid = runner.pidOf('fake')!;
  process.kill(pid, 'SIGKILL');
  const restartedPid = await until(() => {
    const p = runner.pidOf('fake');
    return p && p !== pid ? p : undefined;
  }, 15_000);
  await until(async () => (await ask('fake').catch(() => undefined)) !== undefined, 15_000, 'the restarted runtime');
  const unload = await fetch(`${gw.url}/admin/models/fake/unload`, { method: 'POST', headers: { authorization: `Bearer ${opsKey}` } });
  if (!unload.ok) throw new Error(`unload answered ${unload.status}`);
  await contextToolsAndMcp(gw);
  return { preempted, restartedPid };
}

/** POSTs a chat request as JSON (MCP tool entries are no OpenAI SDK type); returns status and body. */
async function chat(gw: OpsGateway, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${opsKey}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

async function expectStatus(what: string, status: number, sent: Promise<{ status: number; text: string }>): Promise<string> {
  const res = await sent;
  if (res.status !== status) throw new Error(`${what} answered ${res.status}, not ${status}: ${res.text}`);
  return res.text;
}

/**
 * Context fitting, tool calls and MCP, none left to a model's judgement: the windows and the
 * refusal are Aegis' own arithmetic, the bad calls are scripted, and the real model's MCP call is
 * forced (llama-cpp-python decodes a named tool choice under the tool's schema).
 */
async function contextToolsAndMcp(gw: OpsGateway): Promise<void> {
  // Eight long turns into a 512-token window: old turns are dropped (a new cut). The next turn of
  // the same conversation then finds its remembered cut.
  const conversation = longConversation(8, 'Say hello.');
  const first = await expectStatus('the long conversation', 200, chat(gw, { model: 'smol-ctx', messages: conversation, max_tokens: 8 }));
  const answer = (JSON.parse(first) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
  const next = [...conversation, { role: 'assistant', content: answer }, { role: 'user', content: 'Say goodbye.' }];
  await expectStatus('the next turn', 200, chat(gw, { model: 'smol-ctx', messages: next, max_tokens: 8 }));
  // The same prompt from a client that would rather be refused than cut.
  await expectStatus('the refused prompt', 400, chat(gw, { model: 'smol-ctx', messages: conversation, max_tokens: 8 }, { 'x-aegis-truncate': 'error' }));
  // Emulated tools on the scripted model: an invalid call and its constrained retry, then a call
  // whose arguments are coerced.
  for (const content of [askForRetry, askForCoercion]) {
    const text = await expectStatus(
      content,
      200,
      chat(gw, { model: 'toolbot', messages: [{ role: 'user', content }], tools: [addTool], tool_choice: 'required' }),
    );
    if (!text.includes('"tool_calls"')) throw new Error(`${content} returned no tool call: ${text}`);
  }
  // A real MCP server's tool, called by the real model through its runtime's tool calling.
  const mcp = await expectStatus(
    'the MCP call',
    200,
    chat(gw, {
      model: 'smol-tools',
      temperature: 0,
      seed: 1,
      max_tokens: 48,
      messages: [
        { role: 'system', content: 'You add numbers with the get-sum tool, then repeat its answer word for word.' },
        { role: 'user', content: 'What is 2 plus 3?' },
      ],
      tools: [{ type: 'mcp', server_label: 'everything', allowed_tools: ['get-sum'] }],
      tool_choice: { type: 'function', function: { name: 'mcp__everything__get-sum' } },
    }),
  );
  if (!mcp.includes('"status":"ok"')) throw new Error(`the MCP call did not run: ${mcp}`);
  // A server that cannot start: its tools are left out and the request is answered without them.
  await expectStatus(
    'the broken MCP server',
    200,
    chat(gw, { model: 'toolbot', messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 'mcp', server_label: 'broken' }] }),
  );
}

// `/mcp` in process with the official MCP TypeScript client: keys, policy per tool call, errors as
// results, progress while the model loads, async tasks, consultations.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { ExchangeFinished } from '../../../src/core';
import { KeyStore, hashKey } from '../../../src/gateway';
import { opaRequestPolicy } from '../../../src/gateway/policy-adapter';
import { UsageMeter } from '../../../src/gateway/usage-meter';
import { FakePolicyEngine, type FakeAnswer, type PolicyInput } from '../../../src/policy';
import { FakeGate } from '../../helpers/fake-gate';
import { inProcessApp, scriptedUpstream, type InProcessOverrides } from '../../helpers/app';
import { toolModel } from '../../helpers/tool-model';
import { modelEntry } from './fixtures';

const userKey = 'key-user-0123456789';
const otherKey = 'key-other-0123456789';
const keys = new KeyStore([
  { id: 'alice', name: 'alice', hash: hashKey(userKey), roles: ['user'] },
  { id: 'bob', name: 'bob', hash: hashKey(otherKey), roles: ['user'] },
]);

type CallResult = { content: { type: string; text: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function harness(over: Omit<InProcessOverrides, 'upstream'> & { decide?: (input: PolicyInput) => FakeAnswer } = {}) {
  const finished: ExchangeFinished[] = [];
  const { decide, ...rest } = over;
  const engine = new FakePolicyEngine(decide);
  const upstream = scriptedUpstream();
  const h = inProcessApp({
    upstream,
    keys,
    models: [modelEntry(), modelEntry({ name: 'secret' })],
    sinks: [{ exchangeFinished: (e) => finished.push(e) }],
    policy: (clock, audit) => opaRequestPolicy(engine, clock, new UsageMeter(clock), audit),
    ...rest,
  });
  async function connect(key = userKey): Promise<Client> {
    const client = new Client({ name: 'test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL('http://127.0.0.1/mcp'), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
      fetch: (url, init) => Promise.resolve(h.app.request(String(url), init as RequestInit)),
    });
    await client.connect(transport);
    clients.push(client);
    return client;
  }
  const call = async (client: Client, name: string, args: Record<string, unknown>, options?: Parameters<Client['callTool']>[2]) =>
    (await client.callTool({ name, arguments: args }, undefined, options)) as CallResult;
  return { ...h, upstream, engine, finished, connect, call };
}

describe('the MCP endpoint at /mcp', () => {
  it('refuses a request without a key with 401 before any MCP message is read', async () => {
    const { app } = harness();
    const res = await app.request('/mcp', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('missing_api_key');
  });

  it('answers in one JSON body unless a message asks for progress, then as SSE', async () => {
    const { app } = harness();
    const post = (meta?: Record<string, unknown>) =>
      app.request('/mcp', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${userKey}` },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: 'chat', arguments: { model: 'm', prompt: 'hi' }, ...(meta ? { _meta: meta } : {}) },
        }),
      });
    const plain = await post();
    expect(plain.headers.get('content-type')).toContain('application/json');
    expect(await plain.json()).toMatchObject({ id: 1, result: { content: [{ type: 'text', text: 'ok' }] } });
    const streamed = await post({ progressToken: 7 });
    expect(streamed.headers.get('content-type')).toContain('text/event-stream');
    expect(await streamed.text()).toContain('"text":"ok"');
  });

  it('is not mounted when the endpoint is disabled', async () => {
    const { app } = harness({ mcpEndpoint: false });
    const res = await app.request('/mcp', { method: 'POST', headers: { authorization: `Bearer ${userKey}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(404);
  });

  it('lists its six tools', async () => {
    const { connect } = harness();
    const { tools } = await (await connect()).listTools();
    expect(tools.map((t) => t.name)).toEqual(['chat', 'list_models', 'rag_search', 'consult', 'task_status', 'task_result']);
  });

  it('runs chat as an exchange through the pipeline: upstream called, recorded, labelled', async () => {
    const { connect, call, upstream, finished, audit } = harness();
    upstream.script = { kind: 'whole', content: 'Paris.' };
    const r = await call(await connect(), 'chat', { model: 'm', prompt: 'Capital of France?', system: 'Be brief.', max_tokens: 8 });
    expect(r.isError).toBeUndefined();
    expect(r.content[0]!.text).toBe('Paris.');
    expect(r.structuredContent).toMatchObject({ answer: 'Paris.', model: 'm@1', finish_reason: 'stop', usage: { total_tokens: 5 } });
    expect(upstream.calls[0]).toMatchObject({
      model: 'm',
      max_tokens: 8,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Capital of France?' },
      ],
    });
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ principalId: 'alice', route: 'chat', status: 200, answer: 'Paris.', labels: { mcp_tool: 'chat' } });
    expect(audit.filter((e) => e.type === 'mcp.endpoint_call')).toEqual([expect.objectContaining({ actor: 'alice', target: 'aegis/chat', outcome: 'ok' })]);
  });

  it('returns an error result, not a transport failure, when the role may not use the model', async () => {
    const { connect, call, upstream, audit } = harness({
      decide: (input) => (input.model?.name === 'secret' ? { allow: false, reasons: ['model secret is not granted to roles user'] } : {}),
    });
    const r = await call(await connect(), 'chat', { model: 'secret', prompt: 'hi' });
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toMatch(/policy_denied.*model secret is not granted/);
    expect(upstream.calls).toHaveLength(0);
    expect(audit.map((e) => [e.type, e.outcome])).toEqual([
      ['policy.decision', 'deny'],
      ['mcp.endpoint_call', 'error'],
    ]);
  });

  it("decides each tool call with policy's tool_decision for server aegis and audits a refusal", async () => {
    const { connect, call, engine, audit } = harness({
      decide: (input) => (input.tool_call?.tool === 'rag_search' ? { allow: false, reasons: ['MCP tool "aegis/rag_search" is not allowed'] } : {}),
    });
    const r = await call(await connect(), 'rag_search', { query: 'backup' });
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toContain('not allowed');
    expect(engine.inputs.at(-1)).toMatchObject({
      route: { path: '/mcp', endpoint: 'mcp' },
      tool_call: { server: 'aegis', tool: 'rag_search', arguments: { query: 'backup', k: 5 } },
    });
    expect(audit).toEqual([expect.objectContaining({ type: 'mcp.endpoint_call', outcome: 'deny', target: 'aegis/rag_search' })]);
  });

  it('lists only the models the caller may use', async () => {
    const { connect, call } = harness({ decide: (input) => (input.model?.name === 'secret' ? { allow: false } : {}) });
    const r = await call(await connect(), 'list_models', {});
    expect((r.structuredContent!.models as { id: string }[]).map((m) => m.id)).toEqual(['m']);
  });

  it('answers bad arguments and unknown tools as error results', async () => {
    const { connect, call } = harness();
    const client = await connect();
    expect(await call(client, 'chat', { model: 'm' })).toMatchObject({
      isError: true,
      content: [{ text: expect.stringContaining('either `messages` or `prompt`') }],
    });
    expect(await call(client, 'nope', {})).toMatchObject({ isError: true, content: [{ text: 'Unknown tool "nope".' }] });
    expect(await call(client, 'chat', { model: 'missing', prompt: 'x' })).toMatchObject({
      isError: true,
      content: [{ text: expect.stringContaining('model_not_found') }],
    });
  });

  it('searches the memory, filtering on metadata', async () => {
    const memory = {
      search: async () => ({
        method: 'fts',
        results: [
          { id: 'a', score: 2, text: 'backup rotation', metadata: { model: 'x' } },
          { id: 'b', score: 1, text: 'backup disks', metadata: { model: 'y' } },
        ],
      }),
    };
    const { connect, call } = harness({ memory });
    const r = await call(await connect(), 'rag_search', { query: 'backup', k: 3, filter: { model: 'y' } });
    expect(r.structuredContent).toEqual({ method: 'fts', results: [{ id: 'b', score: 1, text: 'backup disks', metadata: { model: 'y' } }] });
  });

  it('sends progress notifications while the scheduler loads the model', async () => {
    const gate = new FakeGate();
    gate.mode = 'queue';
    const { connect, call } = harness({ scheduler: gate });
    const client = await connect();
    const progress: string[] = [];
    const pending = call(client, 'chat', { model: 'm', prompt: 'hi' }, { onprogress: (p) => progress.push(String(p.message)) });
    await expect.poll(() => gate.queued.length).toBe(1);
    gate.queued[0]!.options.onProgress?.({ kind: 'loading', fraction: 0.4 } as never);
    gate.queued[0]!.options.onProgress?.({ kind: 'ready' } as never);
    gate.queued[0]!.grant();
    const r = await pending;
    expect(r.content[0]!.text).toBe('ok');
    expect(progress).toEqual(['waiting for model m', 'loading model m 40%', 'model m ready']);
  });

  it('runs an async chat as a task another connection of the same key fetches; others cannot see it', async () => {
    const gate = new FakeGate();
    gate.mode = 'queue';
    const { connect, call, clock } = harness({ scheduler: gate, mcpEndpoint: { taskTtlMs: 60_000 } });
    const first = await connect();
    const started = await call(first, 'chat', { model: 'm', prompt: 'hi', async: true });
    const taskId = started.structuredContent!.task_id as string;
    expect(started.structuredContent).toEqual({ task_id: taskId, status: 'running' });
    await first.close();

    const second = await connect();
    await expect.poll(() => gate.queued.length).toBe(1);
    expect(await call(second, 'task_result', { task_id: taskId })).toMatchObject({ isError: true, structuredContent: { status: 'running' } });
    expect(await call(await connect(otherKey), 'task_status', { task_id: taskId })).toMatchObject({ isError: true });
    gate.queued[0]!.grant();
    await expect.poll(async () => (await call(second, 'task_status', { task_id: taskId })).structuredContent?.status).toBe('succeeded');
    expect(await call(second, 'task_result', { task_id: taskId })).toMatchObject({ content: [{ text: 'ok' }], structuredContent: { answer: 'ok' } });
    clock.advance(60_000);
    expect(await call(second, 'task_result', { task_id: taskId })).toMatchObject({ isError: true, content: [{ text: expect.stringContaining('expired') }] });
  });

  it('refuses a new async chat with queue_full while every task slot runs', async () => {
    const gate = new FakeGate();
    gate.mode = 'queue';
    const { connect, call } = harness({ scheduler: gate, mcpEndpoint: { maxTasks: 1 } });
    const client = await connect();
    await call(client, 'chat', { model: 'm', prompt: 'one', async: true });
    const refused = await call(client, 'chat', { model: 'm', prompt: 'two', async: true });
    expect(refused).toMatchObject({ isError: true, structuredContent: { error: { code: 'queue_full' } } });
    await expect.poll(() => gate.queued.length).toBe(1);
    gate.queued[0]!.grant();
  });
});

const consultation = `---
type: consultation
id: OPS-014-ANALYST
parent: OPS-014
consultant: Analyst
status: in_progress
date: '2026-11-30T09:30:00.000Z'
---

# OPS-014 Analyst Consultation: Backup Rotation

## Questions

### 1. Retention
- How many copies?

### 2. What to exclude
- Model files?

## Deliverables

1. A retention table
`;

describe('the consult tool', () => {
  it('refuses a document that is not a consultation with a clear error', async () => {
    const { connect, call, upstream } = harness();
    const r = await call(await connect(), 'consult', { model: 'm', document: '---\ntype: decision\nid: D-1\n---\n# x' });
    expect(r.isError).toBe(true);
    expect(r.content[0]!.text).toContain('not a consultation: its front matter says type: "decision", expected "consultation"');
    expect(upstream.calls).toHaveLength(0);
  });

  it('answers under each question, writes the response file without overwriting, and labels the record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aegis-consult-'));
    const { connect, call, upstream, finished } = harness({ mcpEndpoint: { consultationsDir: dir } });
    upstream.script = { kind: 'whole', content: '### 1. Retention\nSeven daily.\n\n### 2. What to exclude\nModels.' };
    const client = await connect();
    const r = await call(client, 'consult', { model: 'm', document: consultation });
    expect(r.isError).toBeUndefined();
    const doc = r.structuredContent!.document as string;
    const front = parseYaml(doc.split('---\n')[1]!) as Record<string, unknown>;
    expect(front).toMatchObject({
      type: 'consultation-response',
      parent: 'OPS-014-ANALYST',
      consultant: 'm@1',
      status: 'answered',
      date: '2026-01-01T12:00:00.000Z',
    });
    expect(doc).toContain('Seven daily.');
    const prompt = (upstream.calls[0]!.messages as { content: string }[])[1]!.content;
    expect(prompt).toContain('### 1. Retention\n### 2. What to exclude');
    await call(client, 'consult', { model: 'm', document: consultation });
    expect((await readdir(dir)).sort()).toEqual(['OPS-014-ANALYST.m.response-2.md', 'OPS-014-ANALYST.m.response.md']);
    expect(await readFile(join(dir, 'OPS-014-ANALYST.m.response.md'), 'utf8')).toBe(doc);
    expect(finished[0]!.labels).toEqual({ mcp_tool: 'consult', consultation: 'OPS-014-ANALYST', consultation_parent: 'OPS-014' });
  });
});

describe('the built-in MCP server `aegis` in the tool loop', () => {
  it("lets a model call rag_search on the organisation's memory when a request names the server", async () => {
    const queries: string[] = [];
    const memory = {
      search: async (query: string) => {
        queries.push(query);
        return { method: 'fts', results: [{ id: 'doc-1', score: 1.5, text: 'Keep seven daily backups.' }] };
      },
    };
    const { app, upstream, audit } = harness({
      memory,
      models: [modelEntry({ capabilities: { chat: true, completion: true, embeddings: false, tools: 'native', vision: false } })],
    });
    toolModel(upstream, 'mcp__aegis__rag_search', { query: 'backup retention', k: 2 });
    const res = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userKey}` },
      body: JSON.stringify({
        model: 'm',
        messages: [{ role: 'user', content: 'How long do we keep backups?' }],
        tools: [{ type: 'mcp', server_label: 'aegis' }],
      }),
    });
    const body = (await res.json()) as { aegis_tool_calls: { server_label: string; name: string; status: string; output: string }[] };
    expect(res.status).toBe(200);
    expect(queries[0]).toBe('backup retention');
    expect(body.aegis_tool_calls[0]).toMatchObject({
      server_label: 'aegis',
      name: 'rag_search',
      status: 'ok',
      output: expect.stringContaining('Keep seven daily backups.'),
    });
    expect(audit.some((e) => e.type === 'mcp.tool_call' && e.target?.includes('rag_search'))).toBe(true);
  });

  it('is not there without a memory: naming it is a 400', async () => {
    const { app } = harness();
    const res = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userKey}` },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'mcp', server_label: 'aegis' }] }),
    });
    expect(res.status).toBe(400);
  });
});

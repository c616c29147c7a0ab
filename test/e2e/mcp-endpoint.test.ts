// Agents delegate to a real local model over MCP: the official TypeScript client (and the Python
// one, from the test world's agent venv) against `/mcp` of a real gateway with real OPA policy,
// SmolLM2-135M on llama-cpp-python, and FerretDB as the record store and RAG collection.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { extendRuntime } from '../../src/cli/wiring';
import { MemoryLogger } from '../../src/core';
import { hashKey } from '../../src/gateway';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { callTool, mcpClient } from '../helpers/mcp-client';
import { until } from '../helpers/wait';
import { world } from '../world/use-world';

const [llamacpp, ferret, agentspy] = await Promise.all([world('llamacpp'), world('ferretdb'), world('agentspy')]);

const userKey = 'aegis-mcp-user-key-0000000000000000';
const fixturePath = fileURLToPath(new URL('../fixtures/consultation-example.md', import.meta.url));
const fixture = readFileSync(fixturePath, 'utf8');

/** A small corpus for rag_search's text path; `backup-rotation` is the one a backup query should find. */
const corpus = [
  { _id: 'backup-rotation', text: 'Backup rotation: keep seven daily, four weekly and twelve monthly copies on the second disk.', metadata: { topic: 'ops' } },
  { _id: 'gpu-drivers', text: 'GPU drivers are updated quarterly after testing on the staging workstation.', metadata: { topic: 'ops' } },
  { _id: 'model-licences', text: 'Every imported model records its licence; restricted models need approval.', metadata: { topic: 'legal' } },
  { _id: 'holiday-rota', text: 'The holiday rota is agreed in January.', metadata: { topic: 'people' } },
];

describe.skipIf(!llamacpp || !ferret)('agents delegate to a real local model over MCP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-mcp-e2e-'));
  const consultations = join(dir, 'decisions');
  const database = `aegis_mcp_${Date.now()}`;
  let gw: TestGateway;
  let mongo: MongoClient;

  beforeAll(async () => {
    mongo = new MongoClient(ferret!.uri, { serverSelectionTimeoutMS: 5_000 });
    await mongo.db(database).collection<{ _id: string }>('rag_documents').insertMany(corpus);
    gw = await startGateway(
      {
        auth: { keys: [{ id: 'agent', name: 'agent', hash: hashKey(userKey), roles: ['user'] }] },
        mongodb: { uri: ferret!.uri, database },
        rag: { spool: { dir: join(dir, 'spool') } },
        policy: {},
        integrations: { consultations: { dir: consultations } },
        upstreams: [{ name: 'llamacpp', type: 'openai', url: llamacpp!.url, discover: false }],
        models: [
          { name: 'smol', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', contextLength: 2048 },
          // Same runtime, but the default policy keeps `restricted` models from the user role.
          { name: 'smol-restricted', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', contextLength: 2048, tags: ['restricted'] },
        ],
      },
      { extend: extendRuntime({ logger: new MemoryLogger(), cwd: dir }) },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await mongo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses /mcp without a key (401)', async () => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
      }),
    });
    expect(res.status).toBe(401);
  });

  it('answers chat with the real model; a model the role may not use is an error result', async () => {
    const client = await mcpClient(gw.url, userKey);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('consult');
      const listed = await callTool(client, 'list_models', {});
      expect((listed.structuredContent!.models as { id: string }[]).map((m) => m.id)).toEqual(['smol']);
      const r = await callTool(client, 'chat', { model: 'smol', prompt: 'Name a colour.', max_tokens: 16, temperature: 0 });
      expect(r.isError).toBeUndefined();
      expect(r.content[0]!.text.length).toBeGreaterThan(0);
      expect(r.structuredContent).toMatchObject({ model: 'smol@1', usage: { completion_tokens: expect.any(Number) } });
      process.stderr.write(`\n[mcp-endpoint] chat answer: ${JSON.stringify(r.content[0]!.text)}\n`);
      const denied = await callTool(client, 'chat', { model: 'smol-restricted', prompt: 'hi' });
      expect(denied.isError).toBe(true);
      expect(denied.content[0]!.text).toContain('policy_denied');
    } finally {
      await client.close();
    }
  });

  it('answers the consultation fixture: response document, written file, labelled record', async () => {
    const client = await mcpClient(gw.url, userKey);
    try {
      const r = await callTool(client, 'consult', { model: 'smol', document: fixture, max_tokens: 96, temperature: 0 });
      expect(r.isError, r.content[0]?.text).toBeUndefined();
      const doc = r.structuredContent!.document as string;
      const front = parseYaml(/^---\n([\s\S]*?)\n---/.exec(doc)![1]!) as Record<string, unknown>;
      expect(front).toMatchObject({ type: 'consultation-response', parent: 'OPS-014-ANALYST', consultant: 'smol@1', status: 'answered' });
      expect(Number.isNaN(Date.parse(String(front.date)))).toBe(false);
      expect(readdirSync(consultations)).toEqual(['OPS-014-ANALYST.smol.response.md']);
      expect(readFileSync(join(consultations, 'OPS-014-ANALYST.smol.response.md'), 'utf8')).toBe(doc);
      const requestId = r.structuredContent!.request_id as string;
      const ragDoc = await until(
        () =>
          mongo
            .db(database)
            .collection('rag_documents')
            .findOne({ _id: requestId as never }),
        20_000,
        'the consultation in the RAG collection',
      );
      expect(ragDoc.metadata).toMatchObject({
        model: 'smol',
        labels: { mcp_tool: 'consult', consultation: 'OPS-014-ANALYST', consultation_parent: 'OPS-014' },
      });
      process.stderr.write(`\n[mcp-endpoint] consultation response:\n${doc}\n`);
    } finally {
      await client.close();
    }
  });

  it('finds the seeded document with rag_search on FerretDB (text path)', async () => {
    const client = await mcpClient(gw.url, userKey);
    try {
      const query = 'backup rotation copies';
      const rankOf = async (args: Record<string, unknown>) => {
        const r = await callTool(client, 'rag_search', { query, k: 5, ...args });
        const { method, results } = r.structuredContent as { method: string; results: { id: string }[] };
        expect(method).toBe('text');
        return { rank: results.findIndex((d) => d.id === 'backup-rotation') + 1, of: results.length };
      };
      // Unfiltered, the recorded consultation exchange (all about backup rotation) competes with it.
      const all = await rankOf({});
      const ops = await rankOf({ filter: { topic: 'ops' } });
      process.stderr.write(
        `\n[mcp-endpoint] rag_search text path: expected document at rank ${all.rank} of ${all.of}; with filter topic=ops at ${ops.rank} of ${ops.of}\n`,
      );
      expect(all.rank).toBeGreaterThan(0);
      expect(ops.rank).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('keeps an async chat running after the client disconnects; another connection fetches it by id', async () => {
    const first = await mcpClient(gw.url, userKey);
    const started = await callTool(first, 'chat', { model: 'smol', prompt: 'Count to three.', max_tokens: 16, temperature: 0, async: true });
    const taskId = started.structuredContent!.task_id as string;
    await first.close();
    const second = await mcpClient(gw.url, userKey);
    try {
      const done = await until(
        async () => {
          const s = await callTool(second, 'task_status', { task_id: taskId });
          return s.structuredContent?.status === 'running' ? undefined : s;
        },
        60_000,
        'the task to finish',
      );
      expect(done.structuredContent!.status).toBe('succeeded');
      const result = await callTool(second, 'task_result', { task_id: taskId });
      expect(result.isError).toBeUndefined();
      expect(result.content[0]!.text.length).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  });

  it.skipIf(!agentspy)("answers the Python SDK's client (mcp from PyPI): chat, consult, key and policy", async () => {
    const script = join(import.meta.dirname, 'python', 'mcp_client.py');
    // Whatever ran before (the TypeScript consult test answers the same consultation), earlier
    // responses stay as they are and this one takes the next free name.
    const before = new Map(readdirSync(consultations).map((f) => [f, readFileSync(join(consultations, f), 'utf8')]));
    const { stdout } = await promisify(execFile)(agentspy!.python, [script, `${gw.url}/mcp`, userKey, 'smol', 'smol-restricted', fixturePath], {
      timeout: 90_000,
    });
    type Reply = { text: string; is_error: boolean };
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      tools: string[];
      chat: Reply;
      consult: Reply & { document: string; file: string };
      denied: Reply;
      no_key: { raised: string | null; message: string | null; status: number | null };
    };
    expect(out.tools).toEqual(['chat', 'list_models', 'rag_search', 'consult', 'task_status', 'task_result']);
    expect(out.chat.is_error).toBe(false);
    expect(out.chat.text.length).toBeGreaterThan(0);

    expect(out.consult.is_error, out.consult.text).toBe(false);
    const front = parseYaml(/^---\n([\s\S]*?)\n---/.exec(out.consult.document)![1]!) as Record<string, unknown>;
    expect(front).toMatchObject({ type: 'consultation-response', parent: 'OPS-014-ANALYST', consultant: 'smol@1', status: 'answered' });
    const added = readdirSync(consultations).filter((f) => !before.has(f));
    const expected = before.size === 0 ? 'OPS-014-ANALYST.smol.response.md' : `OPS-014-ANALYST.smol.response-${before.size + 1}.md`;
    expect(added).toEqual([expected]);
    for (const [f, text] of before) expect(readFileSync(join(consultations, f), 'utf8')).toBe(text);
    expect(out.consult.file).toBe(join(consultations, expected));
    expect(readFileSync(join(consultations, expected), 'utf8')).toBe(out.consult.document);

    expect(out.denied.is_error).toBe(true);
    expect(out.denied.text).toContain('policy_denied');
    // Without a key the 401 surfaces in the Python client as an exception, not as a tool result.
    expect(out.no_key).toMatchObject({ raised: expect.any(String), status: 401 });
    process.stderr.write(
      `\n[mcp-endpoint] python client: chat answer ${JSON.stringify(out.chat.text)}; no key: ${out.no_key.raised} ${JSON.stringify(out.no_key.message)} (HTTP ${out.no_key.status})\n` +
        `[mcp-endpoint] python consultation response:\n${out.consult.document}\n`,
    );
  });
});

describe.skipIf(!llamacpp || !ferret)("rag_search's vector path: real embeddings, cosine scan on FerretDB", () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-mcp-vector-'));
  const database = `aegis_mcp_vec_${Date.now()}`;
  let gw: TestGateway;
  let mongo: MongoClient;

  beforeAll(async () => {
    mongo = new MongoClient(ferret!.uri, { serverSelectionTimeoutMS: 5_000 });
    gw = await startGateway(
      {
        auth: { keys: [{ id: 'agent', name: 'agent', hash: hashKey(userKey), roles: ['user'] }] },
        mongodb: { uri: ferret!.uri, database },
        rag: { spool: { dir: join(dir, 'spool') }, embeddingModel: 'smol-embed' },
        policy: {},
        upstreams: [{ name: 'llamacpp', type: 'openai', url: llamacpp!.url, discover: false }],
        models: [{ name: 'smol-embed', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', contextLength: 2048, capabilities: { embeddings: true } }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger(), cwd: dir }) },
    );
    // The corpus is embedded by the same model through the gateway's own /v1/embeddings.
    const res = await fetch(`${gw.url}/v1/embeddings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${userKey}` },
      body: JSON.stringify({ model: 'smol-embed', input: corpus.map((d) => d.text) }),
    });
    const { data } = (await res.json()) as { data: { index: number; embedding: number[] }[] };
    await mongo
      .db(database)
      .collection<{ _id: string }>('rag_documents')
      .insertMany(corpus.map((d, i) => ({ ...d, embedding: data.find((e) => e.index === i)!.embedding, status: 'embedded' })));
  });

  afterAll(async () => {
    await gw?.close();
    await mongo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('embeds the query through the gateway and ranks the corpus by cosine', async () => {
    const client = await mcpClient(gw.url, userKey);
    try {
      const ranks: string[] = [];
      for (const [query, expected] of [
        ['Backup rotation: keep seven daily, four weekly and twelve monthly copies', 'backup-rotation'],
        ['How many backup copies should we keep?', 'backup-rotation'],
        ['When are GPU drivers updated?', 'gpu-drivers'],
      ] as const) {
        const r = await callTool(client, 'rag_search', { query, k: 4 });
        const { method, results } = r.structuredContent as { method: string; results: { id: string; score: number }[] };
        expect(method).toBe('cosine');
        expect(results).toHaveLength(4);
        const rank = results.findIndex((d) => d.id === expected) + 1;
        ranks.push(`${JSON.stringify(query)} → ${expected} at rank ${rank} (scores ${results.map((d) => `${d.id} ${d.score.toFixed(3)}`).join(', ')})`);
        // The document's own text as the query must come first; paraphrases are reported, not asserted
        // (a 135M chat model's embeddings are weak).
        if (query.startsWith('Backup rotation:')) expect(rank).toBe(1);
      }
      process.stderr.write(`\n[mcp-endpoint] rag_search vector path (SmolLM2-135M embeddings, cosine on FerretDB):\n  ${ranks.join('\n  ')}\n`);
    } finally {
      await client.close();
    }
  });
});

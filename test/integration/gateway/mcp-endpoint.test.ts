// `/mcp` on a real gateway (the runtime `aegis serve` builds, real OPA policy, the embedded SQLite
// store) with a fake upstream: a chat over MCP is recorded like any exchange and rag_search finds
// it again in the embedded store, labelled with the tool that ran it.
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { callTool, mcpClient } from '../../helpers/mcp-client';
import { until } from '../../helpers/wait';

describe('/mcp with the embedded record store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-mcp-embedded-'));
  let up: FakeUpstream;
  let gw: TestGateway;
  let client: Client;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'json', content: 'Rotate backups weekly with zebrafinch labels.' });
    gw = await startGateway(
      {
        rag: { embedded: { path: join(dir, 'aegis.db') }, spool: { dir: join(dir, 'spool') } },
        policy: {},
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger(), cwd: dir }) },
    );
    client = await mcpClient(gw.url, testKey);
  });

  afterAll(async () => {
    await client?.close();
    await gw?.close();
    await up?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records a chat run over MCP and finds it with rag_search (FTS5), labelled mcp_tool=chat', async () => {
    const chat = await callTool(client, 'chat', { model: 'fake', prompt: 'How should we rotate backups?' });
    expect(chat.content[0]!.text).toBe('Rotate backups weekly with zebrafinch labels.');
    const found = await until(
      async () => {
        const r = await callTool(client, 'rag_search', { query: 'zebrafinch', k: 3 });
        return (r.structuredContent?.results as unknown[] | undefined)?.length ? r : undefined;
      },
      10_000,
      'the exchange in the embedded store',
    );
    const { method, results } = found.structuredContent as { method: string; results: { id: string; text: string; metadata: Record<string, unknown> }[] };
    expect(method).toBe('fts');
    expect(results[0]!.id).toBe(chat.structuredContent!.request_id);
    expect(results[0]!.metadata).toMatchObject({ kind: 'exchange', model: 'fake', labels: { mcp_tool: 'chat' } });
    const filtered = await callTool(client, 'rag_search', { query: 'zebrafinch', filter: { model: 'other' } });
    expect(filtered.structuredContent!.results).toEqual([]);
  });
});

// Recording at the HTTP surface: MongoDB stops while requests stream through Aegis and comes back;
// every exchange is recorded (and its policy decision audited) exactly once and no client saw an
// error. Secrets in a prompt reach no sink unredacted: not MongoDB, not the embedded database, not the log.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
import { redactingLogger, SqliteRecordStore } from '../../../src/rag';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { startPrivateFerretdb } from '../../world/components';
import { until } from '../../helpers/wait';
import { world } from '../../world/use-world';

const ferret = await world('ferretdb');

const headers = { authorization: `Bearer ${testKey}`, 'content-type': 'application/json' };

describe.skipIf(!ferret)('exchange recording through the gateway', () => {
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'stream', chunks: 5, gapMs: 2 });
  });
  afterAll(() => up.close());

  it('records exactly N exchanges when MongoDB stops and restarts mid-traffic, and never fails a client', async () => {
    const ferretdb = await startPrivateFerretdb(mkdtempSync(join(tmpdir(), 'aegis-gw-ferret-')), 'ferretdb-gateway-fault');
    const { port } = ferretdb;
    let server = ferretdb.server;
    const gw = await startGateway(
      {
        mongodb: { uri: `mongodb://127.0.0.1:${port}/`, database: 'aegis_gw_fault' },
        rag: { spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-gw-spool-')) }, queue: { insertTimeoutMs: 1_500, retryMinMs: 100, retryMaxMs: 1_000 } },
        // The shipped policy: every request's allow decision is audited along with its exchange.
        policy: {},
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
    const ids: string[] = [];
    const stream = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await fetch(`${gw.url}/v1/chat/completions`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ model: 'fake', stream: true, messages: [{ role: 'user', content: `q${ids.length}` }] }),
        });
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).not.toContain('"error"');
        expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
        ids.push(res.headers.get('x-request-id')!);
      }
    };
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/`, { serverSelectionTimeoutMS: 3_000 });
    try {
      await stream(10);
      await server.stop();
      await stream(10);
      server = await ferretdb.restart();
      await stream(10);
      const coll = client.db('aegis_gw_fault').collection<{ _id: string }>('exchanges');
      await until(async () => (await coll.countDocuments({}).catch(() => 0)) >= 30, 60_000, '30 exchanges in MongoDB');
      await gw.close();
      const docs = await coll.find({}, { projection: { _id: 1, upstreamModel: 1 } }).toArray();
      expect(docs).toHaveLength(30);
      expect(docs.map((d) => d._id).sort()).toEqual([...ids].sort());
      expect(new Set(docs.map((d) => (d as { upstreamModel?: string }).upstreamModel))).toEqual(new Set(['fake']));
      // Each allow decision is audited once, carried by its exchange record through the outage.
      const audits = await client.db('aegis_gw_fault').collection('audit').find({ type: 'policy.decision' }).toArray();
      expect(audits.map((a) => [a.requestId, a.outcome]).sort()).toEqual([...ids].sort().map((id) => [id, 'allow']));
    } finally {
      await client.close();
      await server.stop();
    }
  });

  it('lets no secret from a prompt reach MongoDB, the embedded database or the log', async () => {
    up.behaviour = { kind: 'json', content: 'ok' };
    const pem = '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----';
    const apiKey = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123456789';
    const lines = new MemoryLogger();
    const embeddedDir = mkdtempSync(join(tmpdir(), 'aegis-redact-embedded-'));
    const dbPath = join(embeddedDir, 'aegis.db');
    const send = async (gw: TestGateway) => {
      const res = await fetch(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: `deploy with ${apiKey} and\n${pem}` }] }),
      });
      expect(res.status).toBe(200);
      await res.text();
    };
    const base = {
      upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
      models: [{ name: 'fake', upstream: 'fake' }],
      logging: { prompts: true },
    };
    // With MongoDB: the exchange and RAG documents.
    const withMongo = await startGateway(
      { ...base, mongodb: { uri: ferret!.uri, database: 'aegis_redaction' }, rag: { spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-redact-spool-m-')) } } },
      { extend: extendRuntime({ logger: lines }), logger: redactingLogger(lines) },
    );
    await send(withMongo);
    await withMongo.close();
    // Without MongoDB: the embedded database.
    const spoolOnly = await startGateway(
      { ...base, rag: { spool: { dir: join(embeddedDir, 'spool') }, embedded: { path: dbPath } } },
      { extend: extendRuntime({ logger: lines }), logger: redactingLogger(lines) },
    );
    await send(spoolOnly);
    await spoolOnly.close();

    const client = new MongoClient(ferret!.uri);
    try {
      const db = client.db('aegis_redaction');
      const stored = JSON.stringify([await db.collection('exchanges').find({}).toArray(), await db.collection('rag_documents').find({}).toArray()]);
      expect(stored).toContain('deploy with');
      expect(stored).toContain('REDACTED');
      expect(stored).not.toContain(apiKey);
      expect(stored).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
    } finally {
      await client.close();
    }
    const embedded = SqliteRecordStore.open({ path: dbPath, readonly: true });
    try {
      const [record] = await embedded.exchanges();
      const stored = JSON.stringify([record, await embedded.search('deploy', 5)]);
      expect(stored).toContain('deploy with');
      expect(stored).toContain('REDACTED');
    } finally {
      await embedded.close();
    }
    // Nowhere in the file either: not in a table, not in the full-text index, not in a freed page.
    const onDisk = readdirSync(embeddedDir, { recursive: true })
      .map(String)
      .filter((f) => f.startsWith('aegis.db') || f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(embeddedDir, f)).toString('latin1'))
      .join('\n');
    expect(onDisk).not.toContain(apiKey);
    expect(onDisk).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
    const logged = lines.text();
    expect(logged).toContain('exchange text');
    expect(logged).not.toContain(apiKey);
    expect(logged).not.toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ');
  });
});

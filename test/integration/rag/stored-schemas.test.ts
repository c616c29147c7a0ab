// The documents Aegis writes to MongoDB (FerretDB here), read back as Aegis reads them, validate
// against the JSON Schemas under schemas/: the exchange records of a whole, a streamed and a
// Responses exchange, and the audit entries of their policy decisions and of a refused key.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
import { auditFromDocument, recordFromDocument } from '../../../src/rag/mongo-mapping';
import { startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { startGateway, testKey, type TestGateway } from '../../helpers/gateway';
import { until } from '../../helpers/wait';
import { world } from '../../world/use-world';

const ferret = await world('ferretdb');

function validator(name: string) {
  const schema = JSON.parse(readFileSync(new URL(`../../../schemas/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
  const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(schema);
  return (value: unknown) => (validate(value) ? [] : (validate.errors ?? []));
}

describe.skipIf(!ferret)('documents in MongoDB against schemas/', () => {
  const database = `aegis_schemas_${process.pid}`;
  let up: FakeUpstream;
  let gw: TestGateway;
  let client: MongoClient;

  beforeAll(async () => {
    up = await startFakeUpstream({ kind: 'stream', chunks: 3, gapMs: 1 });
    gw = await startGateway(
      {
        mongodb: { uri: ferret!.uri, database },
        // startGateway turns recording off unless a test asks for it.
        rag: { enabled: true, spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-schemas-spool-')) } },
        // The shipped policy: each allow decision is audited with its exchange.
        policy: {},
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
    client = new MongoClient(ferret!.uri, { serverSelectionTimeoutMS: 5_000 });
  });

  afterAll(async () => {
    await gw?.close();
    await client
      ?.db(database)
      .dropDatabase()
      .catch(() => undefined);
    await client?.close();
    await up?.close();
  });

  it('validates the exchange records and audit entries Aegis wrote', async () => {
    const post = (path: string, body: unknown, key = testKey) =>
      fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const chat = {
      model: 'fake',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    };
    for (const res of [
      await post('/v1/chat/completions', { ...chat, stream: true }),
      await post('/v1/responses', { model: 'fake', input: 'hi', stream: true }),
      await post('/v1/chat/completions', chat, 'sk-not-a-key'),
    ]) {
      await res.text();
    }
    const db = client.db(database);
    await until(
      async () =>
        (await db
          .collection('exchanges')
          .countDocuments({})
          .catch(() => 0)) >= 2,
      30_000,
      'two exchange records',
    );
    await until(
      async () =>
        (await db
          .collection('audit')
          .countDocuments({})
          .catch(() => 0)) >= 3,
      30_000,
      'three audit entries',
    );

    const records = (await db.collection('exchanges').find({}).toArray()).map(recordFromDocument);
    expect(records.map((r) => r.api).sort()).toEqual(['chat', 'responses']);
    const exchangeErrors = validator('exchange-record.schema.json');
    for (const r of records) expect(exchangeErrors(r), JSON.stringify(r)).toEqual([]);

    const audits = (await db.collection('audit').find({}).toArray()).map(auditFromDocument);
    expect(new Set(audits.map((a) => a.type))).toEqual(new Set(['policy.decision', 'auth.failure']));
    const auditErrors = validator('audit-event.schema.json');
    for (const a of audits) expect(auditErrors(a), JSON.stringify(a)).toEqual([]);
  });
});

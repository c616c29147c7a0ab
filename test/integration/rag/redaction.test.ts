// A prompt carrying a private key and an API-key-shaped string reaches no sink unredacted:
// not MongoDB (full record, RAG document, audit), not the spool file, not the log output.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryLogger } from '../../../src/core';
import { openRagStorage, redactingLogger, type ExchangeRecord } from '../../../src/rag';
import { until } from '../../helpers/wait';
import { world } from '../../world/use-world';
import { API_KEY, PRIVATE_KEY, makeRecord } from '../../unit/rag/fixtures';

const ferret = await world('ferretdb');

const KEY_BODY = PRIVATE_KEY.split('\n')[1];
const secretsIn = (text: string): string[] => [API_KEY, KEY_BODY, 'BEGIN OPENSSH PRIVATE KEY'].filter((s) => text.includes(s));

function leakyExchange(i: number): ExchangeRecord {
  return makeRecord(i, {
    messages: [
      { role: 'system', content: 'You review configs.' },
      { role: 'user', content: `Why does this fail?\n${PRIVATE_KEY}\nOPENAI_API_KEY=${API_KEY}` },
    ],
    answer: `Never paste ${API_KEY} or a private key into a prompt.`,
    toolCalls: [
      { id: 'c1', name: 'fetch', source: 'mcp', arguments: JSON.stringify({ headers: { Authorization: `Bearer ${API_KEY}` } }), result: `echo ${API_KEY}` },
    ],
    error: { code: 'upstream_error', message: `upstream said: bad key ${API_KEY}` },
  });
}

describe.skipIf(!ferret)('redaction before every sink', () => {
  const client = new MongoClient(ferret?.uri ?? 'mongodb://invalid', { serverSelectionTimeoutMS: 5_000 });
  const database = `aegis_redact_${Date.now()}`;
  afterAll(() => client.close());

  it('keeps secrets out of MongoDB, the spool and the logs', async () => {
    const lines = new MemoryLogger();
    const logger = redactingLogger(lines);

    // MongoDB up: full record, RAG document and audit event.
    const stored = await openRagStorage({ mongodb: { uri: ferret!.uri, database }, spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-redact-')) }, logger });
    stored.recorder.record(leakyExchange(1));
    stored.audit.record({ type: 'mcp.tool', actor: 'team-a', outcome: 'ok', details: { tool: 'fetch', arguments: `key=${API_KEY}`, output: PRIVATE_KEY } });
    await until(() => stored.idle() && stored.stats().audit.inserted === 1, 15_000, 'records stored');
    await stored.close();
    const db = client.db(database);
    const docs = [
      ...(await db.collection('exchanges').find().toArray()),
      ...(await db.collection('rag_documents').find().toArray()),
      ...(await db.collection('audit').find().toArray()),
    ];
    expect(docs).toHaveLength(3);
    expect(secretsIn(JSON.stringify(docs))).toEqual([]);
    expect(JSON.stringify(docs)).toContain('[REDACTED:private_key]');

    // MongoDB unreachable: the same record goes to the spool file.
    const spoolDir = mkdtempSync(join(tmpdir(), 'aegis-redact-spool-'));
    const spooled = await openRagStorage({
      mongodb: { uri: 'mongodb://127.0.0.1:9/', database },
      spool: { dir: spoolDir },
      queue: { insertTimeoutMs: 500 },
      logger,
    });
    spooled.recorder.record(leakyExchange(2));
    await until(() => spooled.stats().exchange.spooled === 1, 15_000, 'record spooled');
    await spooled.close({ timeoutMs: 1_000 });
    const spoolText = readdirSync(spoolDir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(join(spoolDir, f), 'utf8'))
      .join('');
    expect(spoolText).toContain('req-000002');
    expect(secretsIn(spoolText)).toEqual([]);

    // The gateway logs through the same redacting logger (here: what it would log on an error).
    logger.error({ err: new Error(`upstream rejected ${API_KEY}`), prompt: leakyExchange(3).messages[1].content }, `request failed for key ${API_KEY}`);
    expect(lines.lines.length).toBeGreaterThan(1);
    expect(secretsIn(lines.text())).toEqual([]);
  });
});

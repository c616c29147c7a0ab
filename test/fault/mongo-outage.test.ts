// MongoDB (our own FerretDB process) is stopped for 30 s while 16 conversations stream through the
// gateway, then started again on the same port and data. No client request fails or waits for it,
// the operator sees the outage in /metrics, and once the spool has replayed every request id a
// client got is in `exchanges` exactly once, each conversation's turns stored in the order sent.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeContext } from '../../src/cli/runtime';
import { wireRag, type WiredRag } from '../../src/cli/wiring-rag';
import type { AegisConfig } from '../../src/config';
import { MemoryLogger } from '../../src/core';
import type { OutboxItem } from '../../src/rag';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { until } from '../helpers/wait';
import { startPrivateFerretdb } from '../world/components';
import type { ServerProcess } from '../world/process';
import { world } from '../world/use-world';
import { headers, startFaultGateway, type FaultGateway } from './harness';

const ferret = await world('ferretdb');

const OUTAGE_MS = 30_000;
const CONVERSATIONS = 16;
/** A chat user's pause between turns: enough load to spool thousands of records, few enough to replay in seconds. */
const THINK_MS = 40;

/**
 * The gateway's own recording wiring (`wireRag`, what `aegis serve` runs for `rag` and `mongodb`),
 * with each exchange id logged at the first insert that returned with it stored, new or duplicate:
 * a batch whose write committed but whose answer was lost (the server stopping mid-batch) is
 * spooled and comes back from the replay as duplicates, and the replay is where the outbox's
 * order shows. The outbox holds the store object itself, so the method is replaced on that object.
 */
function observedRecording(logger: MemoryLogger, onWired: (rag: WiredRag, order: string[]) => void) {
  return async (ctx: RuntimeContext, config: AegisConfig) => {
    const rag = await wireRag(ctx, config, { logger });
    if (!rag) throw new Error('recording is off in the test config');
    const order: string[] = [];
    const seen = new Set<string>();
    const { store } = rag.storage;
    const insert = store.insert.bind(store);
    store.insert = async (items: readonly OutboxItem[]) => {
      const outcome = await insert(items);
      const rejected = new Set(outcome.rejected.map((r) => r.id));
      for (const i of items) {
        if (i.kind !== 'exchange' || rejected.has(i.id) || seen.has(i.id)) continue;
        seen.add(i.id);
        order.push(i.id);
      }
      return outcome;
    };
    onWired(rag, order);
    return { sinks: [rag.sink], audit: rag.audit, recording: () => rag.storage.stats(), close: () => rag.close({ timeoutMs: 5_000 }) };
  };
}

describe.skipIf(!ferret)('MongoDB outage under load', () => {
  let up: FakeUpstream | undefined;
  let gw: FaultGateway | undefined;
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await gw?.close();
    await up?.close();
    await server?.stop();
    gw = up = server = undefined;
  });

  it('loses nothing while FerretDB is down for 30 s under 16 conversations, and keeps each in order', async () => {
    const ferretdb = await startPrivateFerretdb(mkdtempSync(join(tmpdir(), 'aegis-outage-ferret-')), 'ferretdb-outage');
    server = ferretdb.server;
    up = await startFakeUpstream({ kind: 'stream', chunks: 3, gapMs: 1 });
    const logger = new MemoryLogger();
    let rag: WiredRag | undefined;
    let order: string[] = [];
    gw = await startFaultGateway(
      {
        mongodb: { uri: ferretdb.uri, database: 'aegis_outage' },
        rag: {
          enabled: true,
          spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-outage-spool-')) },
          // A down server turns into spooling within 1.5 s, and is retried at least once a second.
          queue: { insertTimeoutMs: 1_500, retryMinMs: 100, retryMaxMs: 1_000 },
        },
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      {
        extend: observedRecording(logger, (wired, observed) => {
          rag = wired;
          order = observed;
        }),
      },
    );
    // What an operator's scrape shows: one series, or the sum of those whose labels match.
    const metric = async (name: string, labels = '') => {
      const text = await (await fetch(`${gw!.url}/metrics`, { headers })).text();
      const lines = text.split('\n').filter((l) => /^[^{ ]+/.exec(l)?.[0] === name && l.includes(labels));
      if (lines.length === 0) throw new Error(`no ${name}${labels} in /metrics`);
      return lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    };
    const exchanges = (outcome: string) => metric('aegis_rag_records_total', `kind="exchange",outcome="${outcome}"`);

    const turns = Array.from({ length: CONVERSATIONS }, () => [] as string[]);
    const failures: string[] = [];
    let slowestMs = 0;
    let phase: 'up' | 'down' | 'back' = 'up';
    let turnsAfterRestart = 0;
    // Each conversation sends its turns one after another, as a chat client does.
    const converse = async (c: number) => {
      const mine = turns[c]!;
      let afterRestart = 0;
      while (phase !== 'back' || afterRestart < 20) {
        const started = performance.now();
        const res = await gw!.chat('fake', { stream: true, content: `conversation ${c} turn ${mine.length}` });
        const text = await res.text();
        slowestMs = Math.max(slowestMs, performance.now() - started);
        if (res.status !== 200 || text.includes('"error"') || !text.trimEnd().endsWith('data: [DONE]')) failures.push(`${res.status} ${text.slice(-200)}`);
        mine.push(res.headers.get('x-request-id')!);
        if (phase === 'back') {
          afterRestart++;
          turnsAfterRestart++;
        }
        await new Promise((r) => setTimeout(r, THINK_MS));
      }
    };
    const started = performance.now();
    const load = Promise.all(turns.map((_, c) => converse(c)));
    await until(() => turns.every((t) => t.length >= 5), 20_000, 'traffic before the outage');
    expect(await metric('aegis_rag_store_up')).toBe(1);
    const sentBefore = turns.flat().length;

    // FerretDB drains its connections for about 3 s after SIGTERM, still writing; the 30 s count from its exit.
    const stopping = performance.now();
    await server.stop();
    const outageStarted = performance.now();
    const stopMs = outageStarted - stopping;
    phase = 'down';
    await until(async () => (await metric('aegis_rag_store_up')) === 0, 10_000, 'aegis_rag_store_up 0');
    expect(rag!.storage.stats().storeUp).toBe(false);
    await new Promise((r) => setTimeout(r, OUTAGE_MS - (performance.now() - outageStarted)));
    const sent30s = turns.flat().length;
    // Every exchange so far is in the store (those that beat the shutdown), on disk, or waiting in the
    // queue for an insert attempt to time out; only the turns still streaming are none of these.
    const queued = await metric('aegis_rag_queue_depth');
    const spooled = await exchanges('spooled');
    const insertedBeforeRestart = await exchanges('inserted');
    expect(insertedBeforeRestart + spooled + queued).toBeGreaterThanOrEqual(sent30s - CONVERSATIONS);
    expect(spooled).toBeGreaterThan((sent30s - sentBefore) / 2);
    expect(await metric('aegis_rag_spool_bytes')).toBeGreaterThan(0);

    server = await ferretdb.restart();
    phase = 'back';
    const restarted = performance.now();
    await until(async () => (await metric('aegis_rag_store_up')) === 1, 20_000, 'aegis_rag_store_up 1');
    await load;
    await until(() => rag!.idle(), 30_000, 'the spool replayed');
    const drainedMs = performance.now() - restarted;
    expect(await metric('aegis_rag_spool_bytes')).toBe(0);
    expect(await metric('aegis_rag_queue_depth')).toBe(0);

    const sent = turns.flat();
    const conversationOf = new Map(turns.flatMap((ids, c) => ids.map((id) => [id, c] as const)));
    const byConversation = (ids: readonly string[]) => {
      const split = turns.map(() => [] as string[]);
      for (const id of ids) split[conversationOf.get(id)!]!.push(id);
      return split;
    };
    const inserted = await exchanges('inserted');
    const duplicates = await exchanges('duplicates');
    const spooledInAll = await exchanges('spooled');
    const replayed = await exchanges('replayed');
    const figures = {
      seconds: Math.round((performance.now() - started) / 100) / 10,
      requests: sent.length,
      sentSinceStop: sent30s - sentBefore,
      stopSeconds: Math.round(stopMs / 100) / 10,
      insertedBeforeRestart,
      spooledDuringOutage: spooled,
      queuedAtRestart: queued,
      spooledInAll,
      replayed,
      inserted,
      duplicates,
      turnsAfterRestart,
      drainedSeconds: Math.round(drainedMs / 100) / 10,
      slowestMs: Math.round(slowestMs),
    };
    process.stdout.write(`mongo outage: ${JSON.stringify(figures)}\n`);

    expect(failures).toEqual([]);
    expect(new Set(sent).size).toBe(sent.length);
    // No request waited on MongoDB: that would show as the driver's 3 s server selection or the 1.5 s insert timeout.
    expect(slowestMs).toBeLessThan(1_500);
    expect(await metric('aegis_rag_dropped_total')).toBe(0);
    expect(await exchanges('dropped')).toBe(0);
    expect(await exchanges('rejected')).toBe(0);
    // Everything that went to the spool came back out. A batch the stopping server wrote but did not
    // acknowledge comes back as duplicates, so only the sum must cover every request.
    expect(replayed).toBeGreaterThanOrEqual(spooledInAll);
    expect(inserted).toBeLessThanOrEqual(sent.length);
    expect(inserted + duplicates).toBeGreaterThanOrEqual(sent.length);

    const client = new MongoClient(ferretdb.uri, { serverSelectionTimeoutMS: 5_000 });
    try {
      const db = client.db('aegis_outage');
      // FerretDB's SQLite backend returns an unsorted find in the order rows were written (rowid).
      const stored = (
        await db
          .collection<{ _id: string }>('exchanges')
          .find({}, { projection: { _id: 1 } })
          .toArray()
      ).map((d) => d._id);
      expect([...stored].sort()).toEqual([...sent].sort());
      expect(await db.collection('rag_documents').countDocuments()).toBe(sent.length);
      // Within a conversation, the store was handed the turns in the order the client sent them,
      // and the database wrote them in that order.
      expect(order.length).toBe(sent.length);
      expect(byConversation(order)).toEqual(turns);
      expect(byConversation(stored)).toEqual(turns);
    } finally {
      await client.close();
    }
    expect(logger.lines.filter((l) => String(l.msg).startsWith('records lost'))).toEqual([]);
  }, 120_000);
});

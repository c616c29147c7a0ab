// Fault test at the recorder level: our own FerretDB (fixed data dir and port) is stopped while
// exchanges keep finishing, restarted, stopped again across a gateway restart; afterwards exactly
// N records exist, none lost, none duplicated, and recording never threw or blocked a request.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { openRagStorage, type RagStorage, type RagStorageConfig } from '../../../src/rag';
import { startPrivateFerretdb } from '../../world/components';
import { until } from '../../helpers/wait';
import { world } from '../../world/use-world';
import { makeRecord } from '../../unit/rag/fixtures';

const ferret = await world('ferretdb');

describe.skipIf(!ferret)('recording while MongoDB goes away', () => {
  it('ends with exactly N records after stops, restarts and a gateway restart', async () => {
    const ferretdb = await startPrivateFerretdb(mkdtempSync(join(tmpdir(), 'aegis-fault-ferret-')), 'ferretdb-fault');
    const { port } = ferretdb;
    const startFerret = ferretdb.restart;
    const uri = `mongodb://127.0.0.1:${port}/`;
    const config: RagStorageConfig = {
      mongodb: { uri, database: 'aegis_fault' },
      spool: { dir: mkdtempSync(join(tmpdir(), 'aegis-fault-spool-')) },
      queue: { insertTimeoutMs: 1_500, retryMinMs: 100, retryMaxMs: 1_000 },
    };

    let server = ferretdb.server;
    let storage: RagStorage = await openRagStorage(config);
    let next = 0;
    let slowest = 0;
    // Exchanges finishing one after another, as streams through the gateway would.
    const finish = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const started = performance.now();
        expect(storage.recorder.record(makeRecord(next++))).toBeUndefined();
        slowest = Math.max(slowest, performance.now() - started);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    try {
      await finish(20);
      await server.stop();
      await finish(20);
      await until(() => storage.stats().exchange.spooled >= 20, 30_000, 'records spooled while MongoDB is down');
      expect(storage.stats().storeUp).toBe(false);
      expect(storage.stats().spoolBytes).toBeGreaterThan(0);

      server = await startFerret();
      await finish(20);
      await until(() => storage.idle(), 60_000, 'spool replayed after the restart');
      const first = storage.stats();
      expect(first.exchange.dropped).toBe(0);
      expect(first.exchange.inserted + first.exchange.duplicates).toBe(60);

      // Down again, and the gateway itself restarts before MongoDB returns.
      await server.stop();
      await finish(10);
      await storage.close({ timeoutMs: 3_000 });
      expect(storage.stats().exchange.dropped).toBe(0);
      server = await startFerret();
      storage = await openRagStorage(config);
      await until(() => storage.idle(), 60_000, 'the new process replayed the spool');
      expect(storage.stats().exchange).toMatchObject({ replayed: 10, dropped: 0 });

      const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
      try {
        const db = client.db('aegis_fault');
        const ids = (await db.collection('exchanges').find().project({ _id: 1 }).toArray()).map((d) => String(d._id)).sort();
        expect(ids).toEqual(Array.from({ length: 70 }, (_, i) => makeRecord(i).id));
        expect(await db.collection('rag_documents').countDocuments()).toBe(70);
      } finally {
        await client.close();
      }
      // Recording is synchronous (redaction plus an array push); waiting on MongoDB would show up
      // as the driver's 3 s server selection or the 1.5 s insert timeout. The bound leaves room
      // for a GC pause on a busy two-core runner.
      expect(slowest).toBeLessThan(250);
    } finally {
      await storage.close({ timeoutMs: 1_000 }).catch(() => {});
      await server.stop();
    }
  }, 180_000);
});

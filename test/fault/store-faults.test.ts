// The record store goes away under load, and the disk under the records fills up. No client request
// fails or waits for it, and once the store (or the disk) is back every exchange is recorded exactly
// once, each conversation's turns in the order they finished.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../src/cli/wiring';
import { MemoryLogger } from '../../src/core';
import { exchangeRecord, openRagStorage, recordObligations, SqliteRecordStore, type OutboxItem, type RagStorage, type RecordStore } from '../../src/rag';
import { startFakeUpstream, type FakeUpstream } from '../helpers/fake-upstream';
import { headers, startFaultGateway, type FaultGateway } from './harness';
import { until } from '../helpers/wait';

/** The embedded store behind a switch: while `down`, every insert fails as an unreachable server's would. */
function switchableStore(inner: RecordStore): RecordStore & { down: boolean; order: string[] } {
  const order: string[] = [];
  const state = { down: false };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === 'down') return state.down;
      if (prop === 'order') return order;
      if (prop === 'insert')
        return async (items: readonly OutboxItem[]) => {
          if (state.down) throw new Error('connect ECONNREFUSED 127.0.0.1:27017');
          const outcome = await target.insert(items);
          const duplicates = new Set(outcome.duplicates);
          for (const i of items) if (i.kind === 'exchange' && !duplicates.has(i.id)) order.push(i.id);
          return outcome;
        };
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_target, prop, value) {
      if (prop !== 'down') return false;
      state.down = value as boolean;
      return true;
    },
  }) as RecordStore & { down: boolean; order: string[] };
}

describe('record store faults', () => {
  let up: FakeUpstream | undefined;
  let gw: FaultGateway | undefined;
  let storage: RagStorage | undefined;
  const cleanups: (() => void)[] = [];
  afterEach(async () => {
    await gw?.close();
    await storage?.close({ timeoutMs: 1_000 });
    await up?.close();
    for (const c of cleanups.splice(0).reverse()) c();
    gw = storage = up = undefined;
  });

  it('loses nothing while the store is down under load, and keeps each conversation in order', async () => {
    up = await startFakeUpstream({ kind: 'stream', chunks: 3, gapMs: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'aegis-fault-store-'));
    const store = switchableStore(SqliteRecordStore.open({ path: join(dir, 'aegis.db') }));
    const opened = await openRagStorage({ store, spool: { dir: join(dir, 'spool') }, queue: { insertTimeoutMs: 1_000, retryMinMs: 20, retryMaxMs: 200 } });
    storage = opened;
    gw = await startFaultGateway(
      { upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }], models: [{ name: 'fake', upstream: 'fake' }] },
      {
        extend: () => ({
          sinks: [{ exchangeFinished: (e) => opened.recorder.record(exchangeRecord(e), recordObligations(e)) }],
        }),
      },
    );
    const conversations = 16;
    const turns = new Map<number, string[]>(Array.from({ length: conversations }, (_, c) => [c, []]));
    let failures = 0;
    let phase: 'up' | 'down' | 'back' = 'up';
    const spooledWhileDown = () => opened.stats().exchange.spooled;
    // Each conversation sends its turns one after another, as a chat client does.
    const converse = async (c: number) => {
      while (phase !== 'back' || turns.get(c)!.length < 12) {
        const res = await gw!.chat('fake', { stream: true, content: `conversation ${c} turn ${turns.get(c)!.length}` });
        const text = await res.text();
        if (res.status !== 200 || text.includes('"error"') || !text.trimEnd().endsWith('data: [DONE]')) failures++;
        turns.get(c)!.push(res.headers.get('x-request-id')!);
      }
    };
    const load = Promise.all(Array.from({ length: conversations }, (_, c) => converse(c)));
    await until(() => [...turns.values()].every((t) => t.length >= 3), 20_000, 'traffic before the outage');
    store.down = true;
    phase = 'down';
    await until(() => spooledWhileDown() >= 100, 20_000, 'records spooled during the outage');
    expect(opened.stats().storeUp).toBe(false);
    store.down = false;
    phase = 'back';
    await load;
    await until(() => opened.idle(), 20_000, 'the spool replayed');

    const sent = [...turns.values()].flat();
    expect(failures).toBe(0);
    expect(sent.length).toBeGreaterThanOrEqual(conversations * 12);
    const stats = opened.stats().exchange;
    expect(stats).toMatchObject({ dropped: 0, rejected: 0 });
    expect(stats.replayed).toBeGreaterThanOrEqual(100);
    const stored = await store.exchanges({ limit: 1_000 });
    expect(stored.map((r) => r.id).sort()).toEqual([...sent].sort());
    expect(new Set(store.order).size).toBe(store.order.length);
    // Within a conversation, the store received the turns in the order the client sent them.
    for (const ids of turns.values()) expect(store.order.filter((id) => ids.includes(id))).toEqual(ids);
  });

  const tmpfsUnavailable = (() => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return 'a tmpfs mount needs root on Linux';
    const probe = mkdtempSync(join(tmpdir(), 'aegis-tmpfs-probe-'));
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]);
    spawnSync('umount', [probe]);
    rmSync(probe, { recursive: true, force: true });
    return r.status === 0 ? undefined : `cannot mount a tmpfs here: ${r.stderr}`;
  })();

  it.skipIf(tmpfsUnavailable)('serves every request while the records disk is full, says so, and records them all once it has room', async () => {
    // A real full disk: a small tmpfs holding the embedded database and the spool, filled by a ballast file.
    const mnt = mkdtempSync(join(tmpdir(), 'aegis-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]);
    cleanups.push(() => {
      spawnSync('umount', ['-l', mnt]);
      rmSync(mnt, { recursive: true, force: true });
    });
    mkdirSync(join(mnt, 'spool'));
    up = await startFakeUpstream({ kind: 'json', content: 'ok' });
    const logger = new MemoryLogger();
    gw = await startFaultGateway(
      {
        rag: {
          spool: { dir: join(mnt, 'spool') },
          embedded: { path: join(mnt, 'aegis.db') },
          queue: { retryMinMs: 20, retryMaxMs: 200 },
        },
        upstreams: [{ name: 'fake', type: 'openai', url: up.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake' }],
      },
      { extend: extendRuntime({ logger }) },
    );
    const metric = async (name: string) => {
      const text = await (await fetch(`${gw!.url}/metrics`, { headers })).text();
      return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    };
    const ids: string[] = [];
    const send = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await gw!.chat('fake', { content: `${'padding '.repeat(200)}${ids.length}` });
        expect(res.status).toBe(200);
        await res.text();
        ids.push(res.headers.get('x-request-id')!);
      }
    };
    await send(10);
    // Fill what is left of the disk; tmpfs answers ENOSPC at once.
    try {
      writeFileSync(join(mnt, 'ballast'), Buffer.alloc(8 << 20));
    } catch (err) {
      expect((err as { code?: string }).code).toBe('ENOSPC');
    }
    await send(60);
    await until(async () => (await metric('aegis_rag_spool_disk_full')) === 1, 10_000, 'the spool disk-full gauge');
    expect(logger.lines.some((l) => l.level === 'error' && String(l.msg).includes("spool's disk is full"))).toBe(true);
    await send(20);

    rmSync(join(mnt, 'ballast'));
    await send(10);
    await until(async () => (await metric('aegis_rag_spool_disk_full')) === 0, 10_000, 'the gauge cleared');
    await gw.close();
    gw = undefined;
    const reader = SqliteRecordStore.open({ path: join(mnt, 'aegis.db') });
    try {
      const stored = await reader.exchanges({ limit: 1_000 });
      expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
    } finally {
      await reader.close();
    }
    expect(logger.lines.filter((l) => String(l.msg).startsWith('records lost'))).toEqual([]);
  });
});

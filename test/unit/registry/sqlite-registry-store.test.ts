// The registry in the embedded database: the same versioning rules as the other stores, shared
// between processes through the file, no file created by reads, and the JSON registry of an
// earlier version taken over once by the CLI's opener.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openRegistry } from '../../../src/cli/registry-store';
import { parseConfig } from '../../../src/config';
import { SqliteRegistryStore } from '../../../src/registry';
import { entry } from './fixtures';

const open: { close(): unknown }[] = [];
const dbIn = () => join(mkdtempSync(join(tmpdir(), 'aegis-sqlite-registry-')), 'aegis.db');

function storeAt(path = dbIn()): SqliteRegistryStore {
  const store = new SqliteRegistryStore({ path });
  open.push(store);
  return store;
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

describe('SqliteRegistryStore', () => {
  it('stores, lists and gets entries; an upsert replaces the same version', async () => {
    const store = storeAt();
    await store.upsert(entry('smollm2', '1'));
    await store.upsert(entry('smollm2', '2', { contextLength: 8192 }));
    await store.upsert(entry('smollm2', '2', { contextLength: 4096 }));
    expect((await store.list()).map((e) => `${e.name}@${e.version}`)).toEqual(['smollm2@1', 'smollm2@2']);
    expect(await store.get('smollm2', '2')).toMatchObject({ contextLength: 4096, origin: 'store' });
    expect(await store.get('smollm2', '3')).toBeUndefined();
    await expect(store.upsert(entry('a@b', '1'))).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('promotes and rolls back along the promotion history, skipping retired versions', async () => {
    const store = storeAt();
    for (const v of ['1', '2', '3']) await store.upsert(entry('m', v));
    expect(await store.promote('m', '1', 'alice')).toBeUndefined();
    expect(await store.promote('m', '2', 'alice')).toBe('1');
    expect(await store.promote('m', '3', 'bob')).toBe('2');
    await store.setStatus('m', '2', 'retired');
    expect(await store.rollback('m', 'bob')).toBe('1');
    await expect(store.rollback('m', 'bob')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(store.promote('m', '2', 'a')).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(store.promote('m', '9', 'a')).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(store.setStatus('m', '9', 'retired')).rejects.toMatchObject({ code: 'model_not_found' });
    expect(await store.promoted('m')).toBe('1');
  });

  it('shares one file between instances, as the CLI and a running gateway do', async () => {
    const path = dbIn();
    const cli = storeAt(path);
    const gateway = storeAt(path);
    expect(await gateway.list()).toEqual([]);
    await cli.upsert(entry('m', '1'));
    await cli.promote('m', '1', 'alice');
    expect(await gateway.promoted('m')).toBe('1');
    expect((await gateway.list()).map((e) => e.version)).toEqual(['1']);
  });

  it('creates no database file just to find the registry empty', async () => {
    const path = dbIn();
    const store = storeAt(path);
    expect(await store.list()).toEqual([]);
    expect(await store.promoted('m')).toBeUndefined();
    expect(existsSync(path)).toBe(false);
    await store.upsert(entry('m', '1'));
    expect(existsSync(path)).toBe(true);
  });

  it('imports the JSON registry of an earlier version once, then renames it', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'aegis-registry-import-'));
    const json = join(cwd, '.aegis', 'registry.json');
    const models = [entry('m', '1'), entry('m', '2')];
    const pointers = { m: { version: '2', stack: ['1', '2'], history: [] } };
    mkdirSync(join(cwd, '.aegis'));
    writeFileSync(json, JSON.stringify({ models, pointers }));
    const first = await openRegistry(parseConfig(''), undefined, cwd);
    open.push(first);
    expect(first.imported).toEqual({ from: json, models: 2 });
    expect(first.where).toBe(join(cwd, '.aegis', 'aegis.db'));
    expect(existsSync(json)).toBe(false);
    expect(existsSync(`${json}.imported`)).toBe(true);
    expect(await first.store.promoted('m')).toBe('2');
    expect(await first.store.rollback('m', 'ops')).toBe('1');
    const again = await openRegistry(parseConfig(''), undefined, cwd);
    open.push(again);
    expect(again.imported).toBeUndefined();
    expect((await again.store.list()).map((e) => e.version)).toEqual(['1', '2']);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../../../src/core';
import { FileRegistryStore } from '../../../src/registry/file-registry-store';
import { entry } from './fixtures';

describe('FileRegistryStore', () => {
  it('stores, lists and gets entries by name and version', async () => {
    const store = new FileRegistryStore();
    await store.upsert(entry('smollm2', '1'));
    await store.upsert(entry('smollm2', '2', { contextLength: 8192 }));
    await store.upsert(entry('smollm2', '2', { contextLength: 4096 }));
    expect((await store.list()).map((e) => `${e.name}@${e.version}`)).toEqual(['smollm2@1', 'smollm2@2']);
    expect((await store.get('smollm2', '2'))?.contextLength).toBe(4096);
    expect(await store.get('smollm2', '3')).toBeUndefined();
  });

  it('refuses names and versions that would make name@version ambiguous', async () => {
    const store = new FileRegistryStore();
    await expect(store.upsert(entry('a@b', '1'))).rejects.toMatchObject({ code: 'invalid_request' });
    await expect(store.upsert(entry('a', ''))).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('promotes, returns the previous version, and rolls back along the promotion history', async () => {
    const store = new FileRegistryStore();
    for (const v of ['1', '2', '3']) await store.upsert(entry('m', v));
    expect(await store.promote('m', '1', 'alice')).toBeUndefined();
    expect(await store.promote('m', '2', 'alice')).toBe('1');
    expect(await store.promote('m', '3', 'bob')).toBe('2');
    expect(await store.promoted('m')).toBe('3');
    expect(await store.rollback('m', 'bob')).toBe('2');
    expect(await store.rollback('m', 'bob')).toBe('1');
    await expect(store.rollback('m', 'bob')).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await store.promoted('m')).toBe('1');
    expect(await store.get('m', '3')).toBeDefined();
  });

  it('skips retired versions when rolling back and refuses to promote them', async () => {
    const store = new FileRegistryStore();
    for (const v of ['1', '2', '3']) await store.upsert(entry('m', v));
    await store.promote('m', '1', 'a');
    await store.promote('m', '2', 'a');
    await store.promote('m', '3', 'a');
    await store.setStatus('m', '2', 'retired');
    expect(await store.rollback('m', 'a')).toBe('1');
    const err = await store.promote('m', '2', 'a').catch((e: unknown) => e);
    expect(isGatewayError(err) && err.code).toBe('invalid_request');
    await expect(store.promote('m', '9', 'a')).rejects.toMatchObject({ code: 'model_not_found' });
    await expect(store.setStatus('m', '9', 'retired')).rejects.toMatchObject({ code: 'model_not_found' });
  });

  it('keeps everything in its file across instances', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'aegis-registry-')), 'sub', 'registry.json');
    const a = new FileRegistryStore({ path });
    await a.upsert(entry('m', '1'));
    await a.upsert(entry('m', '2'));
    await a.promote('m', '2', 'alice');
    const b = new FileRegistryStore({ path });
    expect(await b.promoted('m')).toBe('2');
    expect((await b.list()).map((e) => e.version)).toEqual(['1', '2']);
  });

  it('never loses one of many concurrent changes', async () => {
    const store = new FileRegistryStore({ path: join(mkdtempSync(join(tmpdir(), 'aegis-registry-')), 'r.json') });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsert(entry('m', String(i)))));
    expect(await store.list()).toHaveLength(20);
  });
});

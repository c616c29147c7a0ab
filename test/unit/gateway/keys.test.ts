import { describe, expect, it } from 'vitest';
import { generateKey, hashKey, KeyStore } from '../../../src/gateway';
import { ModelCatalog } from '../../../src/registry';
import { modelEntry as entry } from './fixtures';

describe('KeyStore', () => {
  it('verifies a key by its hash only and returns the principal', () => {
    const secret = generateKey();
    const store = new KeyStore([
      { id: 'a', name: 'A', hash: hashKey('other'), roles: [] },
      { id: 'b', name: 'B', hash: hashKey(secret), roles: ['user'] },
    ]);
    expect(store.verify(secret)).toEqual({ id: 'b', name: 'B', roles: ['user'] });
    expect(store.verify(`${secret}x`)).toBeUndefined();
    expect(hashKey(secret)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashKey(secret)).not.toContain(secret);
  });
});

describe('ModelCatalog', () => {
  it('resolves name, alias and name@version, with the promoted version current', () => {
    const cat = new ModelCatalog({ config: [entry({ version: '1', aliases: ['mm'] }), entry({ version: '2', aliases: ['mm'] })], promoted: { m: '1' } });
    expect(cat.resolve('m')!.version).toBe('1');
    expect(cat.resolve('mm')!.version).toBe('1');
    expect(cat.resolve('m@2')!.version).toBe('2');
    expect(cat.resolve('m@3')).toBeUndefined();
  });

  it('lets config win over discovery and hides retired versions', () => {
    const cat = new ModelCatalog({
      config: [entry({ upstreamModel: 'configured' }), entry({ name: 'old', status: 'retired' })],
      discovered: [entry({ origin: 'discovered', version: 'discovered', upstreamModel: 'found' })],
    });
    expect(cat.resolve('m')!.upstreamModel).toBe('configured');
    expect(cat.resolve('old')).toBeUndefined();
  });
});

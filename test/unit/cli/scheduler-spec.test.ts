// How a registry entry becomes a scheduler ModelSpec: which footprint counts, and as what.
import { describe, expect, it } from 'vitest';
import { specFor } from '../../../src/cli/wiring-scheduler';
import { schedulerConfigSchema, upstreamTraits } from '../../../src/scheduler';
import { upstreamSchema } from '../../../src/config';
import { MemoryLogger } from '../../../src/core';
import { createUpstream } from '../../../src/upstreams';
import { entry } from '../registry/fixtures';

const cfg = schedulerConfigSchema.parse({});
const GIB = 2 ** 30;

describe('specFor', () => {
  it('treats an operator footprint as an override and an imported one as an estimate', async () => {
    const fromConfig = await specFor(entry('a', '1', { footprint: { ramBytes: 3 * GIB, vramBytes: 0, source: 'config' } }), cfg, new MemoryLogger(), {
      controlled: true,
    });
    expect(fromConfig).toMatchObject({ id: 'llamacpp/a', footprint: { ram: 3 * GIB }, footprintSource: 'config' });
    // `models import` stores the GGUF estimate: the runtime's measurement must still replace it.
    const imported = await specFor(entry('b', '1', { footprint: { ramBytes: 2 * GIB, vramBytes: GIB, source: 'estimated' } }), cfg, new MemoryLogger(), {
      controlled: true,
    });
    expect(imported).toMatchObject({ footprint: { ram: 2 * GIB, gpu0: GIB }, footprintSource: 'estimate' });
  });

  it('falls back to the listed size, then the configured default, when there is no GGUF file', async () => {
    const listed = await specFor(entry('c', '1', { sizeBytes: GIB }), cfg, new MemoryLogger(), { controlled: true });
    expect(listed.footprintSource).toBe('estimate');
    expect(listed.footprint.ram).toBeGreaterThan(GIB);
    const unknown = await specFor(entry('d', '1'), cfg, new MemoryLogger(), { controlled: true });
    expect(unknown).toMatchObject({ footprint: { ram: cfg.unknownFootprintBytes } });
  });

  it('gives a model Aegis does not load as many slots as its upstream has connections, in the upstream pool', async () => {
    const plain = await specFor(entry('e', '1'), cfg, new MemoryLogger(), { controlled: false, pool: { id: 'llamacpp', size: 16 } });
    expect(plain).toMatchObject({ parallel: 16, pool: 'llamacpp' });
    const loaded = await specFor(entry('f', '1'), cfg, new MemoryLogger(), { controlled: true, pool: { id: 'llamacpp', size: 16 } });
    expect(loaded).toMatchObject({ parallel: 1, pool: 'llamacpp' });
    const explicit = await specFor(entry('g', '1', { parallel: 4 }), cfg, new MemoryLogger(), { controlled: false, pool: { id: 'llamacpp', size: 16 } });
    expect(explicit.parallel).toBe(4);
  });
});

describe('upstreamTraits', () => {
  const upstream = (type: 'openai' | 'managed') =>
    createUpstream(
      upstreamSchema.parse({ name: 'llamacpp', type, url: 'http://127.0.0.1:1', connections: 8, managed: type === 'managed' ? { command: 'x' } : undefined }),
      new MemoryLogger(),
    );

  it('puts the models of one server in one pool of its connections', () => {
    const u = upstream('openai');
    expect(upstreamTraits(entry('a', '1'), u)).toEqual({ controlled: false, pool: { id: 'llamacpp', size: 8 } });
    expect(upstreamTraits(entry('b', '1'), u).pool?.id).toBe('llamacpp');
  });

  it('gives each model of a managed upstream a pool of its own: one runner process, one origin', () => {
    const u = upstream('managed');
    expect(upstreamTraits(entry('a', '1'), u)).toEqual({ controlled: true, pool: { id: 'llamacpp/a', size: 8 } });
    expect(upstreamTraits(entry('b', '1'), u).pool?.id).toBe('llamacpp/b');
  });
});

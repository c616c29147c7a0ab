// How a registry entry becomes a scheduler ModelSpec: which footprint counts, and as what.
import { describe, expect, it } from 'vitest';
import { schedulerConfigSchema, specFor } from '../../../src/cli/wiring-scheduler';
import { MemoryLogger } from '../../../src/core';
import { entry } from '../registry/fixtures';

const cfg = schedulerConfigSchema.parse({});
const GIB = 2 ** 30;

describe('specFor', () => {
  it('treats an operator footprint as an override and an imported one as an estimate', async () => {
    const fromConfig = await specFor(entry('a', '1', { footprint: { ramBytes: 3 * GIB, vramBytes: 0, source: 'config' } }), cfg, new MemoryLogger(), true);
    expect(fromConfig).toMatchObject({ id: 'llamacpp/a', footprint: { ram: 3 * GIB }, footprintSource: 'config' });
    // `models import` stores the GGUF estimate: the runtime's measurement must still replace it.
    const imported = await specFor(entry('b', '1', { footprint: { ramBytes: 2 * GIB, vramBytes: GIB, source: 'estimated' } }), cfg, new MemoryLogger(), true);
    expect(imported).toMatchObject({ footprint: { ram: 2 * GIB, gpu0: GIB }, footprintSource: 'estimate' });
  });

  it('falls back to the listed size, then the configured default, when there is no GGUF file', async () => {
    const listed = await specFor(entry('c', '1', { sizeBytes: GIB }), cfg, new MemoryLogger(), true);
    expect(listed.footprintSource).toBe('estimate');
    expect(listed.footprint.ram).toBeGreaterThan(GIB);
    const unknown = await specFor(entry('d', '1'), cfg, new MemoryLogger(), false);
    expect(unknown).toMatchObject({ footprint: { ram: cfg.unknownFootprintBytes }, parallel: 256 });
  });
});

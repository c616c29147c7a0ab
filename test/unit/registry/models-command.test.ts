import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runModelsCommand, type ModelsCommandDeps } from '../../../src/cli/models-command';
import { MemoryAuditSink } from '../../../src/rag';
import { FileRegistryStore } from '../../../src/registry/file-registry-store';
import { writeTinyGguf } from './fixtures';

function harness(store = new FileRegistryStore()) {
  const out: string[] = [];
  const err: string[] = [];
  const audit = new MemoryAuditSink();
  const deps: ModelsCommandDeps = {
    store,
    audit,
    stdout: { write: (s: string) => out.push(s) },
    stderr: { write: (s: string) => err.push(s) },
    actor: 'cli:alice',
  };
  return { deps, store, audit, out, err, run: (...argv: string[]) => runModelsCommand(argv, deps) };
}

const tiny = (name = 'tiny.gguf', contextLength = 2048) => {
  const path = join(mkdtempSync(join(tmpdir(), 'aegis-cli-')), name);
  writeTinyGguf(path, { contextLength });
  return path;
};

describe('aegis models', () => {
  it('imports a GGUF file, promotes the first version, and audits both', async () => {
    const h = harness();
    const file = tiny();
    expect(await h.run('import', file, '--name', 'tiny', '--version', '1', '--license', 'apache-2.0', '--upstream', 'llamacpp', '--alias', 't')).toBe(0);
    const e = await h.store.get('tiny', '1');
    expect(e).toMatchObject({ aliases: ['t'], upstream: 'llamacpp', provenance: { license: 'apache-2.0', importedBy: 'cli:alice' } });
    expect(await h.store.promoted('tiny')).toBe('1');
    expect(h.audit.events.map((a) => [a.type, a.target, a.outcome])).toEqual([
      ['model.import', 'tiny@1', 'ok'],
      ['model.promote', 'tiny', 'ok'],
    ]);
    expect(h.err.join('')).toMatch(/hashing 100%/);
  });

  it('is idempotent for the same file and refuses a different file under the same version', async () => {
    const h = harness();
    const file = tiny();
    await h.run('import', file, '--name', 'tiny', '--version', '1');
    expect(await h.run('import', file, '--name', 'tiny', '--version', '1')).toBe(0);
    expect(h.out.join('')).toMatch(/already registered/);
    expect(await h.run('import', tiny('other.gguf', 1024), '--name', 'tiny', '--version', '1')).toBe(1);
    expect(h.err.join('')).toMatch(/different sha256/);
  });

  it('promotes and rolls back, printing the move and auditing it', async () => {
    const h = harness();
    await h.run('import', tiny(), '--name', 'tiny', '--version', '1');
    await h.run('import', tiny('b.gguf', 1024), '--name', 'tiny', '--version', '2', '--context-length', '512');
    expect(await h.store.promoted('tiny')).toBe('1');
    expect(await h.run('promote', 'tiny', '2')).toBe(0);
    expect(await h.store.promoted('tiny')).toBe('2');
    expect(await h.run('rollback', 'tiny')).toBe(0);
    expect(await h.store.promoted('tiny')).toBe('1');
    expect(h.out.join('')).toContain('tiny: 2 → 1 (rolled back)');
    expect(h.audit.events.filter((a) => a.type === 'model.rollback')[0]).toMatchObject({ actor: 'cli:alice', details: { version: '1', previous: '2' } });
  });

  it('audits a refused promotion as an error and exits 1', async () => {
    const h = harness();
    expect(await h.run('promote', 'ghost', '1')).toBe(1);
    expect(h.audit.events[0]).toMatchObject({ type: 'model.promote', outcome: 'error', target: 'ghost' });
  });

  it('verify flags a file whose hash changed', async () => {
    const h = harness();
    const file = tiny();
    await h.run('import', file, '--name', 'tiny', '--version', '1');
    expect(await h.run('verify')).toBe(0);
    appendFileSync(file, 'tampered');
    expect(await h.run('verify', 'tiny')).toBe(1);
    expect(h.out.join('')).toMatch(/CHANGED {2}tiny@1/);
    expect(h.audit.events.at(-1)).toMatchObject({ type: 'model.verify', outcome: 'error', details: { flagged: [{ target: 'tiny@1', problem: 'changed' }] } });
  });

  it('lists versions with the promoted one marked, and retires', async () => {
    const h = harness();
    await h.run('import', tiny(), '--name', 'tiny', '--version', '1');
    await h.run('import', tiny('b.gguf', 1024), '--name', 'tiny', '--version', '2', '--context-length', '512');
    expect(await h.run('retire', 'tiny', '2')).toBe(0);
    h.out.length = 0;
    await h.run('list');
    const lines = h.out.join('').trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+VERSION\s+STATUS/);
    expect(lines[1]).toMatch(/^\*tiny\s+1\s+active/);
    expect(lines[2]).toMatch(/^ tiny\s+2\s+retired/);
  });

  it('answers usage errors with exit code 2', async () => {
    const h = harness();
    expect(await h.run('promote', 'only-name')).toBe(2);
    expect(await h.run('import', tiny(), '--bogus')).toBe(2);
    expect(await h.run('frobnicate')).toBe(2);
  });
});

// Smoke test: the pinned opa CLI compiles a policy to wasm that the opa-wasm SDK then evaluates.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { describe, expect, it } from 'vitest';
import { writeWasmCapabilities } from '../../scripts/opa-capabilities';
import { world } from './use-world';

const opa = await world('opa');

describe.skipIf(!opa)('opa (test world)', () => {
  it('reports its pinned version', () => {
    const out = execFileSync(opa!.bin, ['version']).toString();
    expect(out).toContain(`Version: ${opa!.version.replace(/^v/, '')}`);
  });

  it('compiles a Rego policy to wasm that opa-wasm evaluates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-opa-'));
    writeFileSync(join(dir, 'p.rego'), 'package smoke\n\ndefault allow := false\n\nallow if input.role == "admin"\n');
    const capabilities = writeWasmCapabilities(opa!.bin, join(dir, 'capabilities.json'));
    execFileSync(opa!.bin, ['build', '-t', 'wasm', '-e', 'smoke/allow', '--capabilities', capabilities, '-o', join(dir, 'bundle.tar.gz'), join(dir, 'p.rego')]);
    execFileSync('tar', ['-xzf', join(dir, 'bundle.tar.gz'), '-C', dir, '/policy.wasm']);
    const policy = await loadPolicy(readFileSync(join(dir, 'policy.wasm')));
    expect(policy.evaluate({ role: 'admin' })[0].result).toBe(true);
    expect(policy.evaluate({ role: 'guest' })[0].result).toBe(false);
  });

  it('fails the build when a builtin the wasm SDK lacks is used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-opa-'));
    writeFileSync(join(dir, 'p.rego'), 'package smoke\n\nallow if http.send({"method": "get", "url": "http://127.0.0.1:1"})\n');
    const capabilities = writeWasmCapabilities(opa!.bin, join(dir, 'capabilities.json'));
    const res = spawnSync(opa!.bin, [
      'build',
      '-t',
      'wasm',
      '-e',
      'smoke/allow',
      '--capabilities',
      capabilities,
      '-o',
      join(dir, 'b.tar.gz'),
      join(dir, 'p.rego'),
    ]);
    expect(res.status).not.toBe(0);
    expect(`${res.stdout}${res.stderr}`).toMatch(/undefined function http\.send/);
  });
});

// The committed bundle against the pinned opa: CI fails when policy/bundle is stale, when a rebuild
// would differ, or when the Rego unit tests or the decision table fail (`aegis policy test`).
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildPolicyBundle, checkPolicyBundle, defaultBundleDir, defaultSource } from '../../../scripts/policy-build';
import { runPolicyCommand } from '../../../src/cli/policy-command';
import { readBundle, readBundleDir } from '../../../src/policy';
import { world } from '../../world/use-world';

const opa = await world('opa');
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

function capture() {
  let out = '';
  const sink = { write: (s: string) => (out += s) };
  return { io: { stdout: sink, stderr: sink }, text: () => out };
}

describe('committed policy bundle', () => {
  it('was built from the current policies.rego (npm run policy:build -- --check)', async () => {
    const result = await checkPolicyBundle();
    expect(result.message).toMatch(/up to date/);
    expect(result.fresh).toBe(true);
  });

  it('reports a stale bundle when the source changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
    const source = join(dir, 'policies.rego');
    writeFileSync(source, `${readFileSync(defaultSource, 'utf8')}\n# an edit\n`);
    const result = await checkPolicyBundle({ source, bundleDir: defaultBundleDir });
    expect(result).toMatchObject({ fresh: false });
    expect(result.message).toMatch(/stale/);
  });

  it('reports a bundle whose wasm does not match its manifest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
    cpSync(defaultBundleDir, dir, { recursive: true });
    writeFileSync(join(dir, 'policy.wasm'), 'not wasm');
    expect((await checkPolicyBundle({ bundleDir: dir })).message).toMatch(/does not match its manifest/);
  });

  describe.skipIf(!opa)('with the pinned opa', () => {
    it('rebuilds byte for byte what is committed', async () => {
      const built = buildPolicyBundle({ opaBin: opa!.bin });
      const committed = await readBundleDir(defaultBundleDir);
      expect(built.manifest).toEqual(committed.manifest);
    });

    it('passes aegis policy test (opa test + decision table)', async () => {
      const { io, text } = capture();
      const code = await runPolicyCommand(['test', '--opa', opa!.bin], io, { cwd: repoRoot });
      expect(text()).toMatch(/PASS: \d+\/\d+/);
      expect(text()).toMatch(/decision table: (\d+)\/\1 cases pass/);
      expect(code).toBe(0);
    });

    it('fails aegis policy test when a Rego unit test fails', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
      writeFileSync(join(dir, 'wrong_test.rego'), 'package aegis.authz_test\n\nimport data.aegis.authz\n\ntest_wrong if authz.decision.allow\n');
      const { io, text } = capture();
      const code = await runPolicyCommand(['test', '--opa', opa!.bin, '--tests', dir], io, { cwd: repoRoot });
      expect(text()).toMatch(/FAIL: 1\/1/);
      expect(code).toBe(1);
    });

    it('reads an opa build tarball as a bundle', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
      const { execFileSync } = await import('node:child_process');
      execFileSync(opa!.bin, [
        'build',
        '-t',
        'wasm',
        '-e',
        'aegis/authz/decision',
        '-e',
        'aegis/authz/tool_decision',
        '-o',
        join(dir, 'bundle.tar.gz'),
        defaultSource,
      ]);
      const bundle = await readBundle(join(dir, 'bundle.tar.gz'));
      expect(bundle.wasm.subarray(0, 4)).toEqual(new Uint8Array([0x00, 0x61, 0x73, 0x6d]));
    });
  });
});

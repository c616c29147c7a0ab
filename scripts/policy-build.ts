// `npm run policy:build`: compiles policies.rego to wasm with the pinned opa (SDK capabilities, so an
// unsupported builtin fails here) into policy/bundle/. `-- --check` exits 1 if that bundle is stale.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  ENTRYPOINTS,
  MANIFEST_FILE,
  WASM_FILE,
  isFresh,
  readBundleDir,
  sha256,
  sourceChecksum,
  wasmFromTarGz,
  type BundleManifest,
} from '../src/policy/bundle';
import { writeWasmCapabilities } from './opa-capabilities';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const defaultSource = join(root, 'policies.rego');
export const defaultBundleDir = join(root, 'policy', 'bundle');

export interface BuildOptions {
  opaBin: string;
  /** The Rego file to compile. */
  source?: string;
  /** Where policy.wasm and manifest.json go; omit to only compile (e.g. to test a policy). */
  outDir?: string;
}

export interface BuildResult {
  wasm: Uint8Array;
  manifest: BundleManifest;
}

function opaVersion(opaBin: string): string {
  const out = spawnSync(opaBin, ['version'], { encoding: 'utf8' }).stdout ?? '';
  return `v${/Version: (\S+)/.exec(out)?.[1] ?? 'unknown'}`;
}

/** Compiles with `opa build -t wasm`; throws with opa's own message when the policy is broken. */
export function buildPolicyBundle({ opaBin, source = defaultSource, outDir }: BuildOptions): BuildResult {
  const work = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
  try {
    const capabilities = writeWasmCapabilities(opaBin, join(work, 'capabilities.json'));
    const tarball = join(work, 'bundle.tar.gz');
    const entrypoints = Object.values(ENTRYPOINTS).flatMap((e) => ['-e', e]);
    // opa embeds the source path in the wasm: build from the file's folder with a relative path,
    // so the bundle is byte-identical whichever clone builds it.
    const res = spawnSync(opaBin, ['build', '-t', 'wasm', ...entrypoints, '--capabilities', capabilities, '-o', tarball, basename(source)], {
      cwd: dirname(source),
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new Error(`opa build failed for ${source}:\n${`${res.stdout ?? ''}${res.stderr ?? ''}`.trim()}`);
    const wasm = wasmFromTarGz(readFileSync(tarball));
    const manifest: BundleManifest = {
      format: 1,
      entrypoints: Object.values(ENTRYPOINTS),
      source: relative(root, source).split('\\').join('/'),
      source_sha256: sourceChecksum(readFileSync(source, 'utf8')),
      wasm_sha256: sha256(wasm),
      opa_version: opaVersion(opaBin),
    };
    if (outDir) writeBundle(outDir, { wasm, manifest });
    return { wasm, manifest };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Each file lands by rename, so a watching gateway never reads half a wasm module. */
export function writeBundle(outDir: string, { wasm, manifest }: BuildResult): void {
  mkdirSync(outDir, { recursive: true });
  const put = (name: string, bytes: Uint8Array | string) => {
    const tmp = join(outDir, `.${name}.tmp`);
    writeFileSync(tmp, bytes);
    renameSync(tmp, join(outDir, name));
  };
  put(WASM_FILE, wasm);
  put(MANIFEST_FILE, `${JSON.stringify(manifest, null, 2)}\n`);
}

export interface CheckResult {
  fresh: boolean;
  message: string;
}

/** Whether the committed bundle was built from the current source (and is intact). No opa needed. */
export async function checkPolicyBundle({ source = defaultSource, bundleDir = defaultBundleDir } = {}): Promise<CheckResult> {
  let manifest: BundleManifest;
  try {
    manifest = (await readBundleDir(bundleDir)).manifest;
  } catch (err) {
    return { fresh: false, message: `no usable bundle in ${bundleDir}: ${(err as Error).message}` };
  }
  if (!isFresh(manifest, readFileSync(source, 'utf8'))) {
    return {
      fresh: false,
      message: `${relative(root, bundleDir)} is stale: ${relative(root, source)} changed since it was built; run npm run policy:build and commit the result`,
    };
  }
  return { fresh: true, message: `${relative(root, bundleDir)} is up to date with ${relative(root, source)} (sha256 ${manifest.source_sha256.slice(0, 12)})` };
}

async function resolveOpa(argv: string[]): Promise<string> {
  const i = argv.indexOf('--opa');
  if (i !== -1 && argv[i + 1]) return argv[i + 1]!;
  // The test world holds the project's pinned compiler; it builds it once if missing.
  const { ensureInstalled } = await import('../test/world/install');
  const { paths } = await import('../test/world/manifest');
  await ensureInstalled('opa');
  return paths.opa;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--check')) {
    const result = await checkPolicyBundle();
    (result.fresh ? process.stdout : process.stderr).write(`${result.message}\n`);
    return result.fresh ? 0 : 1;
  }
  const opaBin = await resolveOpa(argv);
  const { manifest } = buildPolicyBundle({ opaBin, outDir: defaultBundleDir });
  process.stdout.write(
    `built ${relative(root, defaultBundleDir)}/${WASM_FILE} with opa ${manifest.opa_version}: wasm ${manifest.wasm_sha256.slice(0, 12)}, source ${manifest.source_sha256.slice(0, 12)}\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    },
  );
}

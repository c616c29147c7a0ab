// The built policy bundle: `policy.wasm` plus `manifest.json` (source and wasm checksums), as
// committed under policy/bundle/, or an `opa build -t wasm` tarball read without a tar binary.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** The rules the gateway evaluates: one per request, one per MCP tool call. */
export const ENTRYPOINTS = { request: 'aegis/authz/decision', toolCall: 'aegis/authz/tool_decision' } as const;
export const WASM_FILE = 'policy.wasm';
export const MANIFEST_FILE = 'manifest.json';

export interface BundleManifest {
  format: 1;
  entrypoints: string[];
  /** Path of the Rego source relative to the repository root. */
  source: string;
  /** sha256 of the source with CRLF normalised to LF, so a Windows checkout does not look stale. */
  source_sha256: string;
  wasm_sha256: string;
  opa_version: string;
}

export interface PolicyBundle {
  wasm: Uint8Array;
  manifest: BundleManifest;
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function sourceChecksum(regoSource: string): string {
  return sha256(regoSource.replace(/\r\n/g, '\n'));
}

/** A bundle's short revision id: what decisions and logs carry. */
export function bundleRevision(bundle: PolicyBundle): string {
  return bundle.manifest.wasm_sha256.slice(0, 12);
}

/** Reads policy/bundle/ (or any directory with the two files); the wasm must match the manifest. */
export async function readBundleDir(dir: string): Promise<PolicyBundle> {
  const [wasm, manifestText] = await Promise.all([readFile(join(dir, WASM_FILE)), readFile(join(dir, MANIFEST_FILE), 'utf8')]);
  const manifest = JSON.parse(manifestText) as BundleManifest;
  if (manifest.format !== 1) throw new Error(`unsupported policy bundle manifest format ${String(manifest.format)}`);
  const actual = sha256(wasm);
  if (actual !== manifest.wasm_sha256) {
    throw new Error(
      `policy.wasm does not match its manifest (sha256 ${actual.slice(0, 12)} ≠ ${manifest.wasm_sha256.slice(0, 12)}); rebuild with npm run policy:build`,
    );
  }
  return { wasm: new Uint8Array(wasm), manifest };
}

/** Files of a gzipped ustar archive (regular files only), keyed by path without a leading "/" or "./". */
export function readTarGz(archive: Uint8Array): Map<string, Uint8Array> {
  const tar = gunzipSync(archive);
  const files = new Map<string, Uint8Array>();
  const text = (start: number, length: number) => {
    const raw = tar.subarray(start, start + length);
    const end = raw.indexOf(0);
    return Buffer.from(end === -1 ? raw : raw.subarray(0, end)).toString('utf8');
  };
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const name = text(offset, 100);
    if (name === '') break; // two zero blocks end the archive
    const size = parseInt(text(offset + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[offset + 156] ?? 0);
    const prefix = text(offset + 345, 155);
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (type === 'L') longName = text(offset + 512, size);
    else if (type === '0' || type === '\0') {
      const path = longName ?? (prefix ? `${prefix}/${name}` : name);
      files.set(path.replace(/^\.?\//, ''), new Uint8Array(body));
      longName = undefined;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/** The wasm module inside an `opa build -t wasm` tarball. */
export function wasmFromTarGz(archive: Uint8Array): Uint8Array {
  const wasm = readTarGz(archive).get(WASM_FILE);
  if (!wasm) throw new Error(`the bundle archive has no /${WASM_FILE}`);
  return wasm;
}

/** Whether the manifest was built from this Rego source. */
export function isFresh(manifest: BundleManifest, regoSource: string): boolean {
  return manifest.source_sha256 === sourceChecksum(regoSource);
}

// From aegis.yaml `policy:` to a running engine: read the bundle, warn when policies.rego changed
// since it was built, merge the data over the defaults, and watch the bundle for hot reload.
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { silentLogger, systemClock, type Clock, type Logger } from '../core';
import { ENTRYPOINTS, isFresh, readBundleDir, sha256, wasmFromTarGz, type PolicyBundle } from './bundle';
import { defaultPolicyData, mergePolicyData, type PolicyData } from './data';
import { WasmPolicyEngine } from './engine';
import { watchBundle, type BundleWatcher } from './watch';

/** The `policy:` section of aegis.yaml. */
export type { PolicyConfig } from './config-schema';
import type { PolicyConfig } from './config-schema';

export const defaultPolicyConfig = { bundle: 'policy/bundle', source: 'policies.rego', watch: true } as const;

/** A bundle directory, or a tarball (whose source checksum is unknown, so never "stale"). */
export async function readBundle(path: string): Promise<PolicyBundle> {
  if ((await stat(path)).isDirectory()) return readBundleDir(path);
  const wasm = wasmFromTarGz(await readFile(path));
  return {
    wasm,
    manifest: { format: 1, entrypoints: Object.values(ENTRYPOINTS), source: path, source_sha256: '', wasm_sha256: sha256(wasm), opa_version: 'unknown' },
  };
}

export function policyData(config: PolicyConfig | undefined): PolicyData {
  return mergePolicyData(defaultPolicyData, config?.data);
}

export interface StartPolicyOptions {
  /** Relative paths in the config resolve against this (the directory of aegis.yaml). */
  baseDir?: string;
  logger?: Logger;
  clock?: Clock;
}

export interface RunningPolicy {
  engine: WasmPolicyEngine;
  watcher?: BundleWatcher;
  close(): void;
}

export async function startPolicyEngine(
  config: PolicyConfig = {},
  { baseDir = process.cwd(), logger = silentLogger, clock = systemClock }: StartPolicyOptions = {},
): Promise<RunningPolicy> {
  const at = (p: string) => (isAbsolute(p) ? p : resolve(join(baseDir, p)));
  const bundlePath = at(config.bundle ?? defaultPolicyConfig.bundle);
  const bundle = await readBundle(bundlePath);
  const source = at(config.source ?? defaultPolicyConfig.source);
  const rego = await readFile(source, 'utf8').catch(() => undefined);
  if (rego !== undefined && bundle.manifest.source_sha256 !== '' && !isFresh(bundle.manifest, rego)) {
    logger.warn({ bundle: bundlePath, source }, 'policies.rego changed since the bundle was built; run `npm run policy:build` to apply it');
  }
  const engine = await WasmPolicyEngine.create({ bundle, data: policyData(config), selfCheckCases: config.self_check, logger, clock });
  const watcher = (config.watch ?? defaultPolicyConfig.watch) ? watchBundle({ engine, path: bundlePath, read: readBundle, logger, clock }) : undefined;
  return { engine, watcher, close: () => watcher?.close() };
}

// Hot reload of the bundle: watches its directory (a rename-into-place replaces the inode, so watching
// the file itself would go deaf after the first build) and hands each settled change to the engine.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { silentLogger, systemClock, type Clock, type Logger, type TimerHandle } from '../core';
import type { PolicyBundle } from './bundle';
import type { ReloadResult, WasmPolicyEngine } from './engine';

export interface BundleWatchOptions {
  engine: WasmPolicyEngine;
  /** A bundle directory or an `opa build` tarball. */
  path: string;
  read: (path: string) => Promise<PolicyBundle>;
  /** policy:build writes two files; wait for both before reading. */
  debounceMs?: number;
  logger?: Logger;
  clock?: Clock;
}

export interface BundleWatcher {
  /** Reads the bundle now; undefined when it is the one already serving. */
  check(): Promise<ReloadResult | undefined>;
  close(): void;
}

export function watchBundle({ engine, path, read, debounceMs = 250, logger = silentLogger, clock = systemClock }: BundleWatchOptions): BundleWatcher {
  const isArchive = path.endsWith('.tar.gz') || path.endsWith('.tgz');
  const dir = isArchive ? dirname(path) : path;
  let timer: TimerHandle | undefined;
  let watcher: FSWatcher | undefined;

  const check = async (): Promise<ReloadResult | undefined> => {
    let bundle: PolicyBundle;
    try {
      bundle = await read(path);
    } catch (err) {
      // A torn or missing bundle is a failed reload: counted, logged, old policy kept.
      return engine.reload(() => Promise.reject(err));
    }
    if (bundle.manifest.wasm_sha256 === engine.stats().wasmSha256) return undefined;
    return engine.reload(bundle);
  };

  const onChange = (_event: string, file: string | Buffer | null) => {
    const name = file === null ? '' : String(file);
    if (name.startsWith('.')) return; // the build's temporary files
    if (isArchive && name !== '' && name !== basename(path)) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = undefined;
      void check();
    }, debounceMs);
  };

  try {
    watcher = watch(dir, { persistent: false }, onChange);
    watcher.on('error', (err) => logger.error({ err: err.message, path }, 'policy bundle watcher failed; hot reload is off'));
  } catch (err) {
    logger.error({ err: (err as Error).message, path }, 'cannot watch the policy bundle; hot reload is off');
  }

  return {
    check,
    close() {
      if (timer !== undefined) clock.clearTimeout(timer);
      watcher?.close();
    },
  };
}

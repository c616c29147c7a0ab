// Hot reload: watches the config file and hands each valid new config to a listener. A bad file
// keeps the old config and reports why.
import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { loadConfigFile, type Env } from './load';
import type { AegisConfig } from './schema';

export interface ConfigWatcherOptions {
  file: string;
  env?: Env;
  debounceMs?: number;
  onReload: (config: AegisConfig) => void | Promise<void>;
  onError: (error: Error) => void;
}

export interface ConfigWatcher {
  /** Re-reads the file now (also what a file change triggers). */
  reload(): Promise<boolean>;
  close(): void;
}

export function watchConfig({ file, env = process.env, debounceMs = 100, onReload, onError }: ConfigWatcherOptions): ConfigWatcher {
  let timer: NodeJS.Timeout | undefined;
  const reload = async (): Promise<boolean> => {
    try {
      const config = loadConfigFile(file, env);
      await onReload(config);
      return true;
    } catch (err) {
      onError(err as Error);
      return false;
    }
  };
  // Watch the directory: editors replace files by rename, which a file watch would lose.
  let watcher: FSWatcher | undefined = watch(dirname(file), (_event, name) => {
    if (name !== null && name !== basename(file)) return;
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), debounceMs);
  });
  return {
    reload,
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}

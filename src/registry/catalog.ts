// The in-memory view the request path resolves against: config entries, store entries and
// discovered models merged (config wins), with aliases, `name@version` and promoted versions.
import type { ModelEntry } from './types';

export interface CatalogSources {
  config: ModelEntry[];
  store?: ModelEntry[];
  discovered?: ModelEntry[];
  /** name → promoted version, from the store. */
  promoted?: Record<string, string>;
}

export class ModelCatalog {
  private byKey = new Map<string, ModelEntry>();
  private entries: ModelEntry[] = [];

  constructor(sources: CatalogSources = { config: [] }) {
    this.replace(sources);
  }

  /** Rebuilds the index atomically; lookups never see a half-built catalog. */
  replace(sources: CatalogSources): void {
    const byVersion = new Map<string, ModelEntry>();
    // Later sources lose: config first, then the store, then discovery.
    for (const entry of [...sources.config, ...(sources.store ?? []), ...(sources.discovered ?? [])]) {
      const key = `${entry.name}@${entry.version}`;
      if (!byVersion.has(key) && !(entry.origin === 'discovered' && this.hasName(byVersion, entry.name))) byVersion.set(key, entry);
    }
    const entries = [...byVersion.values()].filter((e) => e.status !== 'retired');
    const index = new Map<string, ModelEntry>();
    for (const e of entries) index.set(`${e.name}@${e.version}`, e);
    const names = new Set(entries.map((e) => e.name));
    for (const name of names) {
      const current = pickCurrent(
        entries.filter((e) => e.name === name),
        sources.promoted?.[name],
      );
      if (current) index.set(name, current);
    }
    for (const name of names) {
      const current = index.get(name)!;
      for (const alias of current.aliases) if (!index.has(alias)) index.set(alias, current);
    }
    this.byKey = index;
    this.entries = entries;
  }

  private hasName(map: Map<string, ModelEntry>, name: string): boolean {
    for (const e of map.values()) if (e.name === name) return true;
    return false;
  }

  /** `name`, an alias, or `name@version`. */
  resolve(ref: string): ModelEntry | undefined {
    return this.byKey.get(ref);
  }

  /** Every routable version, current ones first. */
  list(): ModelEntry[] {
    return this.entries;
  }

  /** The entry each public name resolves to. */
  current(): ModelEntry[] {
    return [...new Set(this.entries.map((e) => e.name))].map((n) => this.byKey.get(n)!);
  }
}

function pickCurrent(versions: ModelEntry[], promoted?: string): ModelEntry | undefined {
  if (promoted) {
    const p = versions.find((v) => v.version === promoted);
    if (p) return p;
  }
  const active = versions.filter((v) => v.status === 'active');
  const pool = active.length > 0 ? active : versions;
  // Without a promotion, the last listed version wins (config order is the operator's order).
  return pool.at(-1);
}

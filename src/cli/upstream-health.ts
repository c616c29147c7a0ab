// Upstream reachability shared by the status page and `aegis_upstream_up`: one probe per upstream
// per period, however many browsers poll the page and however often Prometheus scrapes.
import type { Clock } from '../core';
import type { Upstream } from '../upstreams';

/** How long a probe's answer stands. */
export const HEALTH_TTL_MS = 2_000;

export function upstreamHealthCache(upstreams: () => Iterable<Upstream>, clock: Clock, ttlMs = HEALTH_TTL_MS): () => Promise<Record<string, boolean>> {
  let last: { at: number; result: Promise<Record<string, boolean>> } | undefined;
  return function upstreamHealth() {
    const now = clock.now();
    if (!last || now - last.at >= ttlMs) {
      const probes = [...upstreams()].map(async (u) => [u.name, await u.health().catch(() => false)] as const);
      last = { at: now, result: Promise.all(probes).then((pairs) => Object.fromEntries(pairs)) };
    }
    return last.result;
  };
}

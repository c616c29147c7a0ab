// Upstream series read at scrape time: reachability (the runtime's cached health probes) and, for
// managed runners, whether each runtime process serves and how often it was restarted.
import type { GatewaySnapshot } from '../gateway';
import { metricNames, type Metrics } from '../metrics';
import { ManagedUpstream } from '../upstreams';

export function upstreamMetrics(m: Metrics, snapshot: () => GatewaySnapshot, health: () => Promise<Record<string, boolean>>): void {
  m.gaugeFrom(metricNames.upstreamUp, async () => Object.entries(await health()).map(([upstream, up]) => ({ labels: { upstream }, value: up ? 1 : 0 })));
  const runners = () =>
    [...snapshot().upstreams.values()].flatMap((u) => (u instanceof ManagedUpstream ? u.runnerStates().map((r) => ({ upstream: u.name, ...r })) : []));
  m.gaugeFrom(metricNames.managedRunnerUp, () => runners().map((r) => ({ labels: { upstream: r.upstream, model: r.model }, value: r.up ? 1 : 0 })));
  m.counterFrom(metricNames.managedRunnerRestarts, () => runners().map((r) => ({ labels: { upstream: r.upstream, model: r.model }, value: r.restarts })));
}

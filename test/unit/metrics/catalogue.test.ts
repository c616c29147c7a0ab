// The metric catalogue follows Prometheus' naming rules, and a Metrics registry registers every
// family the gateway itself owns, from the definition.
import { describe, expect, it } from 'vitest';
import { Metrics, metricNames, processDefaults } from '../../../src/metrics';

const defs = Object.values(metricNames);

describe('the metric catalogue', () => {
  it('names each family once, prefixed, in base units, counters ending in _total', () => {
    expect(new Set(defs.map((d) => d.name)).size).toBe(defs.length);
    for (const d of defs) {
      expect(d.name).toMatch(/^aegis_[a-z0-9_]+$/);
      expect(d.name.endsWith('_total')).toBe(d.kind === 'counter');
      expect(d.name).not.toMatch(/_(milliseconds|ms|kilobytes|megabytes)(_|$)/);
      if (d.kind === 'histogram') expect(d.buckets?.length).toBeGreaterThan(3);
    }
  });

  it('uses only bounded labels: never a key, a request id or a client string', () => {
    const allowed = new Set([
      'route',
      'model',
      'status',
      'code',
      'kind',
      'upstream',
      'priority',
      'reason',
      'result',
      'resource',
      'state',
      'outcome',
      'principal',
      'strategy',
      'mode',
      'server',
      'tool',
    ]);
    expect(defs.flatMap((d) => d.labels).filter((l) => !allowed.has(l))).toEqual([]);
  });

  it('marks no family as pending: context fitting, tool calls and the MCP bridge report theirs', () => {
    expect(defs.filter((d) => d.pending).map((d) => `${d.pending} ${d.name}`)).toEqual([]);
  });

  it('registers the gateway’s own families and the process defaults in a new registry', async () => {
    const m = new Metrics();
    m.enablePrincipals();
    const text = (await m.exposition()).body;
    const own = [
      metricNames.requests,
      metricNames.requestDuration,
      metricNames.timeToFirstToken,
      metricNames.interTokenLatency,
      metricNames.gatewayOverhead,
      metricNames.tokensPerSecond,
      metricNames.schedulerQueueWait,
      metricNames.refusedRequests,
      metricNames.principalRequests,
      metricNames.contextTruncations,
      metricNames.contextDroppedMessages,
      metricNames.contextCuts,
      metricNames.contextRefusals,
      metricNames.toolCalls,
      metricNames.toolParseFailures,
      metricNames.toolRepairs,
      metricNames.toolRetries,
      ...processDefaults,
    ];
    for (const d of own) expect(text, d.name).toContain(`# TYPE ${d.name} ${d.kind}`);
  });

  it('replaces a scrape-time reader registered again (a rebuilt subsystem is the live one)', async () => {
    const m = new Metrics({ defaults: false });
    m.gaugeFrom(metricNames.ragQueueDepth, () => [{ value: 1 }]);
    m.gaugeFrom(metricNames.ragQueueDepth, () => [{ value: 2 }]);
    expect((await m.exposition()).body).toContain('aegis_rag_queue_depth 2');
  });
});

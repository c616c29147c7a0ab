// The scheduler's series: read from its snapshot at scrape time, counted from its events, labelled
// with the public model name and upstream rather than the scheduler's id.
import { describe, expect, it } from 'vitest';
import { schedulerMetrics } from '../../../src/cli/scheduler-metrics';
import { Metrics } from '../../../src/metrics';
import { parseExposition, samples } from '../../helpers/prom-text';
import { modelSnapshot, schedulerSnapshot } from '../../helpers/scheduler-snapshot';

const GiB = 2 ** 30;
const labelsOf = (id: string) => (id === 'llama/smollm2' ? { model: 'smol', upstream: 'llama' } : { model: id, upstream: '' });

describe('schedulerMetrics', () => {
  it('exports state, memory and queues under the public name, and counts events as they come', async () => {
    const m = new Metrics({ defaults: false });
    const snapshot = schedulerSnapshot({
      models: [
        modelSnapshot({
          id: 'llama/smollm2',
          state: 'loading',
          queued: 3,
          loads: 2,
          footprint: { estimated: { ram: GiB }, counted: { ram: GiB, gpu0: 2 * GiB }, source: 'estimate' },
        }),
      ],
      resources: [{ id: 'ram', totalBytes: 8 * GiB, budgetBytes: 6 * GiB, reserveBytes: GiB, limitBytes: 5 * GiB, usedBytes: GiB, freeBytes: 4 * GiB }],
    });
    const count = schedulerMetrics(m, { snapshot: () => snapshot }, labelsOf);
    count({ type: 'load', model: 'llama/smollm2', outcome: 'ok', durationMs: 1_500 });
    count({ type: 'eviction', model: 'llama/smollm2', reason: 'ttl', freed: { ram: GiB } });
    count({ type: 'preemption', model: 'llama/smollm2', byModel: 'x', byPriority: 'critical', revoked: ['batch', 'batch'], freed: {} });
    count({ type: 'rejection', model: 'llama/smollm2', reason: 'queue_full' });
    const all = parseExposition((await m.exposition()).body);
    const one = (name: string, labels: Record<string, string>) => samples(all, name, labels).map((s) => s.value);
    const smol = { model: 'smol', upstream: 'llama' };
    expect(one('aegis_scheduler_model_state', { ...smol, state: 'loading' })).toEqual([1]);
    expect(one('aegis_scheduler_model_state', { ...smol, state: 'ready' })).toEqual([0]);
    expect(one('aegis_scheduler_model_loaded', smol)).toEqual([0]);
    expect(one('aegis_scheduler_queued_requests', smol)).toEqual([3]);
    expect(one('aegis_scheduler_loads_total', smol)).toEqual([2]);
    expect(one('aegis_scheduler_model_memory_bytes', { ...smol, resource: 'gpu0' })).toEqual([2 * GiB]);
    expect(one('aegis_scheduler_memory_limit_bytes', { resource: 'ram' })).toEqual([5 * GiB]);
    expect(one('aegis_scheduler_load_duration_seconds_sum', { ...smol, outcome: 'ok' })).toEqual([1.5]);
    expect(one('aegis_scheduler_evictions_total', { ...smol, reason: 'ttl' })).toEqual([1]);
    expect(one('aegis_scheduler_preempted_requests_total', { ...smol, priority: 'batch' })).toEqual([2]);
    expect(one('aegis_scheduler_rejections_total', { ...smol, reason: 'queue_full' })).toEqual([1]);
  });
});

// The scheduler's series: state, memory and queues read from its snapshot at scrape time; loads,
// evictions, preemptions and rejections counted from its events as they happen. Series carry the
// public model name and its upstream (as the gateway's own series do), not the scheduler's id.
import { metricNames, type Metrics, type Sample } from '../metrics';
import type { ModelState, Scheduler, SchedulerEvent } from '../scheduler';

/** The labels of a scheduler model id (`upstream/upstreamModel`). */
export type ModelLabels = (id: string) => { model: string; upstream: string };

const STATES: readonly ModelState[] = ['unloaded', 'loading', 'ready', 'unloading'];

/** Registers the scrape-time series and returns the listener for the scheduler's events. */
export function schedulerMetrics(m: Metrics, scheduler: Pick<Scheduler, 'snapshot'>, labelsOf: ModelLabels): (event: SchedulerEvent) => void {
  const snap = () => scheduler.snapshot();
  const perModel = (value: (model: ReturnType<typeof snap>['models'][number]) => number) => (): Sample[] =>
    snap().models.map((mm) => ({ labels: labelsOf(mm.id), value: value(mm) }));
  m.gaugeFrom(metricNames.schedulerMemoryUsed, () => snap().resources.map((r) => ({ labels: { resource: r.id }, value: r.usedBytes })));
  m.gaugeFrom(metricNames.schedulerMemoryLimit, () => snap().resources.map((r) => ({ labels: { resource: r.id }, value: r.limitBytes })));
  m.gaugeFrom(
    metricNames.schedulerModelLoaded,
    perModel((mm) => (mm.state === 'ready' ? 1 : 0)),
  );
  m.gaugeFrom(
    metricNames.schedulerQueued,
    perModel((mm) => mm.queued),
  );
  m.counterFrom(
    metricNames.schedulerLoads,
    perModel((mm) => mm.loads),
  );
  m.gaugeFrom(metricNames.schedulerModelState, () =>
    snap().models.flatMap((mm) => STATES.map((state) => ({ labels: { ...labelsOf(mm.id), state }, value: mm.state === state ? 1 : 0 }))),
  );
  m.gaugeFrom(metricNames.schedulerModelMemory, () =>
    snap()
      .models.filter((mm) => mm.state !== 'unloaded')
      .flatMap((mm) => Object.entries(mm.footprint.counted).map(([resource, bytes]) => ({ labels: { ...labelsOf(mm.id), resource }, value: bytes }))),
  );
  const loadDuration = m.histogram(metricNames.schedulerLoadDuration);
  const evictions = m.counter(metricNames.schedulerEvictions);
  const preempted = m.counter(metricNames.schedulerPreemptedRequests);
  const rejections = m.counter(metricNames.schedulerRejections);
  return function countSchedulerEvent(event: SchedulerEvent): void {
    const labels = labelsOf(event.model);
    switch (event.type) {
      case 'load':
        loadDuration.observe({ ...labels, outcome: event.outcome }, event.durationMs / 1000);
        return;
      case 'eviction':
        evictions.inc({ ...labels, reason: event.reason });
        return;
      case 'preemption':
        for (const priority of event.revoked) preempted.inc({ ...labels, priority });
        return;
      case 'rejection':
        rejections.inc({ ...labels, reason: event.reason });
        return;
    }
  };
}

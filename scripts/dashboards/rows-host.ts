// Rows of errors and upstreams, the gateway process, and the Windows host (windows_exporter).
import { metricNames as m, windowsExporter as w } from '../../src/metrics';
import { increase, rate, sum } from './promql';
import { t, WIN, type RowSpec } from './spec';

export const hostRows: RowSpec[] = [
  {
    title: 'Errors and upstreams',
    panels: [
      {
        title: 'Errors by code',
        description: 'Admitted requests that ended in an error.',
        unit: 'reqps',
        targets: [t(rate(m.requestErrors, ['code']), '{{code}}')],
      },
      {
        title: 'Error ratio',
        description: 'Errors over admitted requests.',
        unit: 'percentunit',
        targets: [t(`${rate(m.requestErrors)} / ${rate(m.requests)}`, 'errors')],
      },
      {
        title: 'Upstream errors',
        description: 'Failed upstream calls by upstream and kind.',
        unit: 'ops',
        targets: [t(rate(m.upstreamErrors, ['upstream', 'code']), '{{upstream}} {{code}}')],
      },
      {
        title: 'Upstream health',
        description: '1 when the health probe answers.',
        unit: 'short',
        targets: [t(sum(m.upstreamUp, ['upstream']), '{{upstream}}')],
      },
      {
        title: 'Managed runners',
        description: 'Runtime processes Aegis started: serving (1), and restarts after dying in the range.',
        unit: 'short',
        targets: [t(sum(m.managedRunnerUp, ['upstream', 'model']), 'up {{model}}'), t(increase(m.managedRunnerRestarts, ['model']), 'restarts {{model}}')],
      },
      {
        title: 'Authentication and reloads',
        description: 'Refused keys by reason; config reloads by result.',
        unit: 'ops',
        targets: [t(rate(m.authFailures, ['reason']), 'auth {{reason}}'), t(rate(m.configReloads, ['result']), 'reload {{result}}')],
      },
    ],
  },
  {
    title: 'Gateway process',
    panels: [
      { title: 'CPU', description: 'Cores used by the gateway process.', unit: 'short', targets: [t(rate(m.processCpu), 'cpu')] },
      {
        title: 'Memory',
        description: 'Resident memory and V8 heap.',
        unit: 'bytes',
        targets: [t(sum(m.processResidentMemory), 'resident'), t(sum(m.heapUsed), 'heap used')],
      },
      { title: 'Event loop lag p99', description: 'High values delay every request.', unit: 's', targets: [t(sum(m.eventLoopLag), 'p99')] },
      {
        title: 'Uptime',
        description: 'Since the gateway process started.',
        unit: 's',
        kind: 'stat',
        targets: [t(`time() - ${sum(m.processStartTime)}`, 'uptime')],
      },
    ],
  },
  {
    title: 'Windows host (windows_exporter)',
    collapsed: true,
    panels: [
      {
        title: 'CPU busy',
        description: 'All cores, from windows_exporter (job chosen in "windows_job").',
        unit: 'percentunit',
        targets: [t(`1 - ${rate(w.cpuTime, [], { match: { mode: '="idle"', ...WIN }, aggregate: 'avg' })}`, 'busy')],
      },
      {
        title: 'Memory',
        description: 'Physical memory in use and installed.',
        unit: 'bytes',
        targets: [
          t(`${sum(w.memoryTotal, [], { match: WIN })} - ${sum(w.memoryAvailable, [], { match: WIN })}`, 'used'),
          t(sum(w.memoryTotal, [], { match: WIN }), 'installed'),
        ],
      },
      {
        title: 'GPU memory',
        description: 'Dedicated memory in use and the adapter size (gpu collector).',
        unit: 'bytes',
        targets: [t(sum(w.gpuDedicatedUsed, ['luid'], { match: WIN }), 'used {{luid}}'), t(sum(w.gpuDedicatedSize, ['luid'], { match: WIN }), 'size {{luid}}')],
      },
      {
        title: 'GPU 3D engine busy',
        description: 'Share of time the 3D engines ran, per physical GPU (compute runtimes show here).',
        unit: 'percentunit',
        targets: [t(rate(w.gpuEngineTime, ['phys'], { match: { engtype: '="3D"', ...WIN } }), 'GPU {{phys}}')],
      },
    ],
  },
];

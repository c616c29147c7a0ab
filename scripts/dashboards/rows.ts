// The Aegis dashboard as data: rows of panels whose queries are built from the metric catalogue
// (promql.ts). build.ts turns it into Grafana JSON with the foundation SDK.
import { metricNames as m, windowsExporter as w } from '../../src/metrics';
import { increase, mean, quantile, rate, sum } from './promql';

export interface TargetSpec {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  /** Grafana unit id: reqps, s, bytes, percentunit, short, ops, … */
  unit: string;
  kind?: 'timeseries' | 'stat';
  targets: TargetSpec[];
  /** Grid columns out of 24 (default 8). */
  width?: number;
  stack?: boolean;
}

export interface RowSpec {
  title: string;
  /** Collapsed rows keep their panels inside the row (Grafana's JSON model). */
  collapsed?: boolean;
  panels: PanelSpec[];
}

const t = (expr: string, legend: string): TargetSpec => ({ expr, legend });
const quantiles = (def: Parameters<typeof quantile>[1], group: string[] = [], qs = [0.5, 0.95, 0.99]) =>
  qs.map((q) => t(quantile(q, def, group), `p${q * 100}${group.map((g) => ` {{${g}}}`).join('')}`));

/** The windows_exporter job(s) chosen in the `windows_job` variable. */
const WIN = { job: '=~"$windows_job"' };

export const rows: RowSpec[] = [
  {
    title: 'Traffic',
    panels: [
      { title: 'Requests per second', description: 'Admitted requests by model.', unit: 'reqps', targets: [t(rate(m.requests, ['model']), '{{model}}')] },
      {
        title: 'Responses by status',
        description: 'HTTP status of admitted requests (499: the client went away).',
        unit: 'reqps',
        stack: true,
        targets: [t(rate(m.requests, ['status']), '{{status}}')],
      },
      { title: 'In flight', description: 'Requests being served now.', unit: 'short', targets: [t(sum(m.requestsInFlight, ['model']), '{{model}}')] },
      {
        title: 'Refused before admission',
        description: 'Invalid bodies, unknown models, policy denials and spent quotas, by error code.',
        unit: 'reqps',
        targets: [t(rate(m.refusedRequests, ['route', 'code']), '{{route}} {{code}}')],
      },
      {
        title: 'Client disconnects',
        description: 'Requests the client abandoned.',
        unit: 'reqps',
        targets: [t(rate(m.clientDisconnects, ['model']), '{{model}}')],
      },
      {
        title: 'Requests by principal',
        description: 'Per key id; only with metrics.principals: true.',
        unit: 'reqps',
        targets: [t(rate(m.principalRequests, ['principal']), '{{principal}}')],
      },
    ],
  },
  {
    title: 'Latency',
    panels: [
      { title: 'Request duration', description: 'Request to the end of the response body.', unit: 's', targets: quantiles(m.requestDuration) },
      { title: 'Time to first token', description: 'Streamed requests: request to the first token.', unit: 's', targets: quantiles(m.timeToFirstToken) },
      {
        title: 'Inter-token latency',
        description: 'Mean gap between streamed tokens of a response.',
        unit: 's',
        targets: quantiles(m.interTokenLatency, [], [0.5, 0.95]),
      },
      {
        title: 'Gateway overhead',
        description: "Aegis' own share of a request: its duration minus the lease wait and the upstream's time.",
        unit: 's',
        targets: quantiles(m.gatewayOverhead, ['route'], [0.5, 0.99]),
      },
      { title: 'Request duration p95 by model', description: '', unit: 's', targets: [t(quantile(0.95, m.requestDuration, ['model']), '{{model}}')] },
      { title: 'TTFT p95 by model', description: '', unit: 's', targets: [t(quantile(0.95, m.timeToFirstToken, ['model']), '{{model}}')] },
    ],
  },
  {
    title: 'Tokens',
    panels: [
      {
        title: 'Tokens per second',
        description: 'Prompt and completion tokens processed.',
        unit: 'short',
        targets: [t(rate(m.tokens, ['model', 'kind']), '{{model}} {{kind}}')],
      },
      {
        title: 'Generation speed',
        description: "Completion tokens per second of the upstream's time, per response (median).",
        unit: 'short',
        targets: [t(quantile(0.5, m.tokensPerSecond, ['model']), '{{model}}')],
      },
      {
        title: 'Tokens in range',
        description: 'Over the selected time range.',
        unit: 'short',
        kind: 'stat',
        targets: [t(increase(m.tokens, ['kind']), '{{kind}}')],
      },
      {
        title: 'Tokens by principal',
        description: 'Per key id; only with metrics.principals: true.',
        unit: 'short',
        targets: [t(rate(m.principalTokens, ['principal', 'kind']), '{{principal}} {{kind}}')],
      },
    ],
  },
  {
    title: 'Models and memory',
    panels: [
      {
        title: 'Memory: used vs usable',
        description: 'Bytes counted against each budget (RAM, each GPU) and what the budget allows.',
        unit: 'bytes',
        width: 12,
        targets: [t(sum(m.schedulerMemoryUsed, ['resource']), 'used {{resource}}'), t(sum(m.schedulerMemoryLimit, ['resource']), 'usable {{resource}}')],
      },
      {
        title: 'Memory by model',
        description: 'What each resident model is counted for.',
        unit: 'bytes',
        width: 12,
        stack: true,
        targets: [t(sum(m.schedulerModelMemory, ['model', 'resource']), '{{model}} {{resource}}')],
      },
      { title: 'Loaded models', description: 'Resident and ready.', unit: 'short', kind: 'stat', targets: [t(sum(m.schedulerModelLoaded), 'loaded')] },
      {
        title: 'Model states',
        description: 'Which state each model is in.',
        unit: 'short',
        targets: [t(sum(m.schedulerModelState, ['model', 'state'], { match: { state: '!="unloaded"' } }), '{{model}} {{state}}')],
      },
      { title: 'Loads', description: 'Model loads started.', unit: 'ops', targets: [t(rate(m.schedulerLoads, ['model']), '{{model}}')] },
      { title: 'Load duration', description: 'Time a load took.', unit: 's', targets: quantiles(m.schedulerLoadDuration, ['model'], [0.5, 0.95]) },
      {
        title: 'Evictions by reason',
        description: 'budget (room for another model), ttl (idle), preemption, manual (admin).',
        unit: 'ops',
        stack: true,
        targets: [t(rate(m.schedulerEvictions, ['reason']), '{{reason}}')],
      },
    ],
  },
  {
    title: 'Queue',
    panels: [
      { title: 'Queued requests', description: 'Waiting for a lease.', unit: 'short', targets: [t(sum(m.schedulerQueued, ['model']), '{{model}}')] },
      { title: 'Queue wait', description: 'Time to a lease (0 when a slot was free).', unit: 's', targets: quantiles(m.schedulerQueueWait) },
      {
        title: 'Queue wait p95 by class',
        description: 'By priority class.',
        unit: 's',
        targets: [t(quantile(0.95, m.schedulerQueueWait, ['priority']), '{{priority}}')],
      },
      {
        title: 'Rejections by reason',
        description: 'Requests the scheduler ended without a lease (queue_full, queue_timeout, model_load_failed, …).',
        unit: 'reqps',
        stack: true,
        targets: [t(rate(m.schedulerRejections, ['reason']), '{{reason}}')],
      },
      {
        title: 'Preempted requests',
        description: 'Leases taken back for a more important class, by their class.',
        unit: 'reqps',
        targets: [t(rate(m.schedulerPreemptedRequests, ['priority']), '{{priority}}')],
      },
    ],
  },
  {
    title: 'Policy',
    panels: [
      { title: 'Decisions', description: 'By result.', unit: 'ops', stack: true, targets: [t(rate(m.policyDecisions, ['result']), '{{result}}')] },
      {
        title: 'Evaluation time',
        description: 'One OPA wasm evaluation.',
        unit: 's',
        targets: [...quantiles(m.policyEvaluation, [], [0.5, 0.99]), t(mean(m.policyEvaluation), 'mean')],
      },
      {
        title: 'Policy failures and reloads',
        description: 'Evaluations that failed (denied closed), reloads rejected, reloads applied.',
        unit: 'ops',
        targets: [t(rate(m.policyEvaluationErrors), 'evaluation errors'), t(rate(m.policyReloadErrors), 'reload errors'), t(rate(m.policyReloads), 'reloads')],
      },
    ],
  },
  {
    title: 'Context, tools and MCP',
    panels: [
      {
        title: 'Context truncations',
        description: 'Prompts fitted into the window, by strategy (issue #19).',
        unit: 'ops',
        targets: [t(rate(m.contextTruncations, ['strategy']), '{{strategy}}')],
      },
      {
        title: 'Prompt tokens dropped',
        description: 'To fit the window (issue #19).',
        unit: 'short',
        targets: [t(rate(m.contextDroppedTokens, ['model']), '{{model}}')],
      },
      {
        title: 'Tool calls',
        description: 'By mode, and emulated calls that failed to parse (issue #20).',
        unit: 'ops',
        targets: [t(rate(m.toolCalls, ['mode']), '{{mode}}'), t(rate(m.toolParseFailures), 'parse failures')],
      },
      {
        title: 'MCP calls',
        description: 'By server and outcome (issue #23).',
        unit: 'ops',
        targets: [t(rate(m.mcpCalls, ['server', 'outcome']), '{{server}} {{outcome}}')],
      },
      {
        title: 'MCP call duration p95',
        description: 'By server and tool (issue #23).',
        unit: 's',
        targets: [t(quantile(0.95, m.mcpCallDuration, ['server', 'tool']), '{{server}} {{tool}}')],
      },
    ],
  },
  {
    title: 'RAG recording',
    panels: [
      {
        title: 'Records',
        description: 'Exchange and audit records by outcome (inserted, spooled, replayed, dropped, …).',
        unit: 'ops',
        targets: [t(rate(m.ragRecords, ['kind', 'outcome']), '{{kind}} {{outcome}}')],
      },
      {
        title: 'Queue and spool',
        description: 'Records waiting in memory, and bytes waiting on disk.',
        unit: 'short',
        targets: [t(sum(m.ragQueueDepth), 'queue'), t(sum(m.ragSpoolSegments), 'spool segments')],
      },
      { title: 'Spool bytes', description: 'Waiting on disk for MongoDB.', unit: 'bytes', targets: [t(sum(m.ragSpoolBytes), 'spool')] },
      {
        title: 'Oldest spooled record',
        description: 'How far behind MongoDB the record is (0 when the spool is empty).',
        unit: 's',
        targets: [t(sum(m.ragSpoolOldestAge), 'age')],
      },
      { title: 'MongoDB accepting', description: '1 while the store takes records.', unit: 'short', kind: 'stat', targets: [t(sum(m.ragStoreUp), 'up')] },
      {
        title: 'Records lost',
        description: 'Neither queue nor spool could take them.',
        unit: 'ops',
        targets: [t(rate(m.ragDropped, ['kind', 'reason']), '{{kind}} {{reason}}')],
      },
    ],
  },
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

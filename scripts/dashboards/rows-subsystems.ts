// Rows of the subsystems: models and memory, the queue, policy, context/tools/MCP, RAG recording.
import { metricNames as m } from '../../src/metrics';
import { increase, mean, quantile, rate, sum } from './promql';
import { quantiles, t, type RowSpec } from './spec';

export const subsystemRows: RowSpec[] = [
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
        description: 'Chat prompts cut to fit the window, by strategy (stage fitContext).',
        unit: 'ops',
        targets: [t(rate(m.contextTruncations, ['strategy']), '{{strategy}}')],
      },
      {
        title: 'Dropped to fit',
        description: 'Prompt tokens and messages left out to fit context windows.',
        unit: 'short',
        targets: [t(rate(m.contextDroppedTokens, ['model']), 'tokens {{model}}'), t(rate(m.contextDroppedMessages, ['model']), 'messages {{model}}')],
      },
      {
        title: 'Cuts reused and context refusals',
        description:
          'Cut conversations that reused their remembered cut (the runtime keeps its prompt cache) or needed a new one; requests refused with context_length_exceeded.',
        unit: 'ops',
        targets: [t(rate(m.contextCuts, ['kind']), 'cut {{kind}}'), t(rate(m.contextRefusals), 'refused')],
      },
      {
        title: 'Tool calls',
        description: 'Calls returned to clients by mode (native, emulated, constrained), and attempts that could not be read as a valid call.',
        unit: 'ops',
        targets: [t(rate(m.toolCalls, ['mode']), '{{mode}}'), t(rate(m.toolParseFailures, ['mode']), 'parse failures {{mode}}')],
      },
      {
        title: 'Tool-call repairs and retries',
        description: 'Calls accepted after a fix (parse: JSON repaired or coerced; retry: a constrained retry), and constrained retries by result.',
        unit: 'ops',
        targets: [t(rate(m.toolRepairs, ['kind']), 'repaired by {{kind}}'), t(rate(m.toolRetries, ['result']), 'retry {{result}}')],
      },
      {
        title: 'MCP calls',
        description: 'MCP tool calls the gateway ran for models, by server and outcome (ok, tool_error, denied, timeout, cancelled, …).',
        unit: 'ops',
        targets: [t(rate(m.mcpCalls, ['server', 'outcome']), '{{server}} {{outcome}}')],
      },
      {
        title: 'MCP call duration p95',
        description: 'From asking policy to the result, by server and tool.',
        unit: 's',
        targets: [t(quantile(0.95, m.mcpCallDuration, ['server', 'tool']), '{{server}} {{tool}}')],
      },
      {
        title: 'MCP servers',
        description: '1 while Aegis holds a session with the server; tools it listed; connects (reconnects included) and failed connects or listings.',
        unit: 'short',
        targets: [
          t(sum(m.mcpServerUp, ['server']), 'up {{server}}'),
          t(sum(m.mcpServerTools, ['server']), 'tools {{server}}'),
          t(increase(m.mcpServerConnects, ['server']), 'connects {{server}}'),
          t(increase(m.mcpServerFailures, ['server']), 'failures {{server}}'),
        ],
      },
    ],
  },
  {
    title: 'RAG recording',
    panels: [
      {
        title: 'Records',
        description: 'Exchange, audit and stored-response records by outcome (inserted, spooled, replayed, dropped, expired, …).',
        unit: 'ops',
        targets: [t(rate(m.ragRecords, ['kind', 'outcome']), '{{kind}} {{outcome}}')],
      },
      {
        title: 'Queue and spool',
        description: 'Records waiting in memory, and bytes waiting on disk.',
        unit: 'short',
        targets: [t(sum(m.ragQueueDepth), 'queue'), t(sum(m.ragSpoolSegments), 'spool segments')],
      },
      { title: 'Spool bytes', description: 'Waiting on disk for the record store.', unit: 'bytes', targets: [t(sum(m.ragSpoolBytes), 'spool')] },
      {
        title: 'Oldest spooled record',
        description: 'How far behind the record store the spool is (0 when it is empty).',
        unit: 's',
        targets: [t(sum(m.ragSpoolOldestAge), 'age')],
      },
      {
        title: 'Store accepting',
        description:
          '1 while the record store (embedded SQLite or MongoDB) takes records; store disk full: 1 while it refuses writes for lack of space; spool disk full: 1 while the spool cannot write either and records are held in memory.',
        unit: 'short',
        kind: 'stat',
        targets: [t(sum(m.ragStoreUp), 'up'), t(sum(m.ragStoreDiskFull), 'store disk full'), t(sum(m.ragSpoolDiskFull), 'spool disk full')],
      },
      {
        title: 'Embedded store size',
        description: 'Bytes the embedded store holds against its cap (rag.embedded.maxBytes); the oldest records go past it.',
        unit: 'bytes',
        targets: [t(sum(m.ragStoreBytes), 'stored'), t(sum(m.ragStoreMaxBytes), 'cap')],
      },
      {
        title: 'Records lost',
        description: 'Neither queue nor spool could take them.',
        unit: 'ops',
        targets: [t(rate(m.ragDropped, ['kind', 'reason']), '{{kind}} {{reason}}')],
      },
    ],
  },
];

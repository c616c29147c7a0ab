// Every metric Aegis exports, by name: the gateway's own series, what subsystems report at scrape
// time or through their events, and the families declared for issues still in progress. Nothing
// else writes a metric name, and the Grafana dashboard is generated from these definitions, so a
// panel cannot query a metric that does not exist. Prefixed `aegis_`, base units, bounded labels
// (configured names, status classes, priority classes; never a key or a client-supplied string).

export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricDefinition {
  name: string;
  help: string;
  labels: readonly string[];
  kind: MetricKind;
  /** Histogram bucket bounds (base units). */
  buckets?: readonly number[];
  /** The issue whose work will report it: declared so the dashboard can have its row already. */
  pending?: string;
}

/** A counter when the name ends in `_total` (the Prometheus convention), else a gauge. */
const define = (name: string, help: string, labels: readonly string[] = []): MetricDefinition => ({
  name,
  help,
  labels,
  kind: name.endsWith('_total') ? 'counter' : 'gauge',
});

const histogram = (name: string, help: string, labels: readonly string[], buckets: readonly number[]): MetricDefinition => ({
  name,
  help,
  labels,
  kind: 'histogram',
  buckets,
});

/** Whole requests: from a cached answer to a cold load of a big model. */
export const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;
/** Gaps between streamed tokens: tens of milliseconds on a GPU, a few hundred on a small CPU. */
const tokenGapBuckets = [0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5] as const;
/** Aegis' own share of a request: sub-millisecond when healthy. */
const overheadBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;
const tokenRateBuckets = [1, 2, 5, 10, 20, 30, 50, 75, 100, 150, 200, 300, 500, 1000] as const;
const loadBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300] as const;
/** One wasm evaluation: tens of microseconds for the shipped policy. */
const policyBuckets = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05] as const;

export const metricNames = {
  policyDecisions: define('aegis_policy_decisions_total', 'Policy decisions by result.', ['result']),
  policyEvaluationErrors: define('aegis_policy_evaluation_errors_total', 'Policy evaluations that failed (denied closed).'),
  policyReloadErrors: define('aegis_policy_reload_errors_total', 'Policy bundle or data reloads rejected (the previous policy kept serving).'),
  schedulerMemoryUsed: define('aegis_scheduler_memory_used_bytes', 'Bytes counted against each resource budget.', ['resource']),
  schedulerMemoryLimit: define('aegis_scheduler_memory_limit_bytes', 'Usable bytes of each resource (budget minus reserve).', ['resource']),
  schedulerModelLoaded: define('aegis_scheduler_model_loaded', '1 when the model is resident (ready), else 0.', ['model', 'upstream']),
  schedulerQueued: define('aegis_scheduler_queued_requests', 'Requests waiting for a lease, by model.', ['model', 'upstream']),
  schedulerLoads: define('aegis_scheduler_loads_total', 'Model loads started by the scheduler.', ['model', 'upstream']),
  mcpServerUp: define('aegis_mcp_server_up', '1 while Aegis holds a session with the MCP server, else 0.', ['server']),
  mcpServerTools: define('aegis_mcp_server_tools', 'Tools the MCP server listed at its last listing.', ['server']),
  mcpServerConnects: define('aegis_mcp_server_connects_total', 'Sessions opened with the MCP server (reconnects included).', ['server']),
  mcpServerFailures: define('aegis_mcp_server_failures_total', 'Failed attempts to connect to or list the tools of the MCP server.', ['server']),
  ragRecords: define('aegis_rag_records_total', 'Exchange, audit and stored-response records by outcome (inserted, spooled, replayed, dropped, expired, …).', [
    'kind',
    'outcome',
  ]),
  ragQueueDepth: define('aegis_rag_queue_depth', 'Records waiting in memory for the record store.'),
  ragSpoolBytes: define('aegis_rag_spool_bytes', 'Bytes waiting in the on-disk spool.'),
  ragStoreUp: define('aegis_rag_store_up', '1 while the record store accepts records, 0 while records go to the spool.'),
  ragStoreDiskFull: define('aegis_rag_store_disk_full', '1 while the record store refuses writes for lack of space (records wait in the spool).'),
  ragSpoolDiskFull: define(
    'aegis_rag_spool_disk_full',
    "1 while the spool's disk is full: records wait in memory (aegis_rag_queue_depth) and are lost past the queue's capacity.",
  ),
  ragStoreBytes: define('aegis_rag_store_bytes', 'Bytes the embedded store holds, counted against rag.embedded.maxBytes.'),
  ragStoreMaxBytes: define('aegis_rag_store_max_bytes', 'The embedded store byte cap (rag.embedded.maxBytes); the oldest records go past it.'),

  // ── traffic: the gateway's own series, per finished exchange ───────────────────────────────
  requests: define('aegis_requests_total', 'Admitted requests by route, model and HTTP status (499: the client went away).', ['route', 'model', 'status']),
  requestsInFlight: define('aegis_requests_in_flight', 'Requests being served, by model.', ['model']),
  requestDuration: histogram('aegis_request_duration_seconds', 'Time from request to the end of the response body.', ['route', 'model'], latencyBuckets),
  timeToFirstToken: histogram('aegis_time_to_first_token_seconds', 'Time from request to the first streamed token.', ['model'], latencyBuckets),
  interTokenLatency: histogram(
    'aegis_inter_token_latency_seconds',
    'Mean gap between streamed tokens after the first, one observation per streamed response.',
    ['model'],
    tokenGapBuckets,
  ),
  gatewayOverhead: histogram(
    'aegis_gateway_overhead_seconds',
    "Time spent in Aegis itself: the request's duration minus the lease wait and the upstream's time.",
    ['route'],
    overheadBuckets,
  ),
  clientDisconnects: define('aegis_client_disconnects_total', 'Requests abandoned by the client (recorded as 499).', ['model']),
  requestErrors: define('aegis_request_errors_total', 'Admitted requests that ended in an error, by error code.', ['route', 'model', 'code']),
  refusedRequests: define(
    'aegis_refused_requests_total',
    'Requests refused before admission (invalid body, unknown model, policy denial, quota), by error code.',
    ['route', 'code'],
  ),
  authFailures: define('aegis_auth_failures_total', 'Requests refused for a missing or invalid API key, by reason.', ['reason']),
  configReloads: define('aegis_config_reloads_total', 'Config reloads by result (ok|error).', ['result']),
  /** Only with `metrics.principals: true`: principal ids are configured key ids, a bounded set. */
  principalRequests: define('aegis_principal_requests_total', 'Admitted requests by principal (key id) and model.', ['principal', 'model']),
  principalTokens: define('aegis_principal_tokens_total', 'Tokens by principal (key id) and kind (prompt|completion).', ['principal', 'kind']),

  // ── tokens ─────────────────────────────────────────────────────────────────────────────────
  tokens: define('aegis_tokens_total', 'Tokens processed, by model and kind (prompt|completion).', ['model', 'kind']),
  tokensPerSecond: histogram(
    'aegis_generation_tokens_per_second',
    "Completion tokens per second of the upstream's time, one observation per response.",
    ['model'],
    tokenRateBuckets,
  ),

  // ── scheduler ──────────────────────────────────────────────────────────────────────────────
  schedulerModelState: define('aegis_scheduler_model_state', '1 for the state the model is in (unloaded, loading, ready, unloading).', [
    'model',
    'upstream',
    'state',
  ]),
  schedulerModelMemory: define('aegis_scheduler_model_memory_bytes', 'Bytes a resident model is counted for, per resource.', ['model', 'upstream', 'resource']),
  schedulerLoadDuration: histogram(
    'aegis_scheduler_load_duration_seconds',
    'Time a model load took, by outcome (ok|failed).',
    ['model', 'upstream', 'outcome'],
    loadBuckets,
  ),
  schedulerEvictions: define('aegis_scheduler_evictions_total', 'Models that left memory, by reason (budget, ttl, preemption, manual).', [
    'model',
    'upstream',
    'reason',
  ]),
  schedulerPreemptedRequests: define('aegis_scheduler_preempted_requests_total', 'Leases taken back for a more important request, by their class.', [
    'model',
    'upstream',
    'priority',
  ]),
  schedulerQueueWait: histogram(
    'aegis_scheduler_queue_wait_seconds',
    'Time a request waited for its lease (queue and load; 0 when a slot was free).',
    ['model', 'priority'],
    latencyBuckets,
  ),
  schedulerRejections: define('aegis_scheduler_rejections_total', 'Requests the scheduler ended without a lease, by reason.', ['model', 'upstream', 'reason']),

  // ── policy ─────────────────────────────────────────────────────────────────────────────────
  policyEvaluation: histogram('aegis_policy_evaluation_seconds', 'Time of one policy evaluation (OPA wasm).', [], policyBuckets),
  policyReloads: define('aegis_policy_reloads_total', 'Policy bundle or data reloads that took effect.'),

  // ── context fitting (stage fitContext; refusals before admission counted there) ──────────
  contextTruncations: define('aegis_context_truncations_total', 'Chat requests whose prompt was cut to fit the context window, by model and strategy.', [
    'model',
    'strategy',
  ]),
  contextDroppedTokens: define(
    'aegis_context_dropped_tokens_total',
    'Prompt tokens removed to fit context windows (dropped turns and shortened messages), by model.',
    ['model'],
  ),
  contextDroppedMessages: define('aegis_context_dropped_messages_total', 'Messages left out to fit context windows, by model.', ['model']),
  contextCuts: define('aegis_context_cuts_total', 'Cut prompts by whether the conversation reused its remembered cut (reused) or needed a new one (new).', [
    'model',
    'kind',
  ]),
  contextRefusals: define('aegis_context_refusals_total', 'Chat requests refused with context_length_exceeded, by model.', ['model']),

  // ── tool calls (stages prepareTools, transform, retryToolCall) ───────────────────────────
  toolCalls: define('aegis_tool_calls_total', 'Tool calls returned to clients, by model and mode (native|emulated|constrained).', ['model', 'mode']),
  toolParseFailures: define(
    'aegis_tool_call_parse_failures_total',
    'Tool-call attempts that could not be read as a valid call (unknown tool, bad JSON, arguments off schema), by model and mode.',
    ['model', 'mode'],
  ),
  toolRepairs: define(
    'aegis_tool_call_repairs_total',
    'Tool calls accepted after a fix, by kind: parse (JSON repaired, string arguments, types coerced) or retry (a constrained retry).',
    ['model', 'kind'],
  ),
  toolRetries: define('aegis_tool_call_retries_total', 'Constrained retries of invalid tool calls, by result (repaired|failed).', ['model', 'result']),

  // ── MCP tool calls of the tool loop (each server's state is reported by the pool) ────────
  mcpCalls: define(
    'aegis_mcp_tool_calls_total',
    'MCP tool calls of the tool loop by server, tool and outcome (ok, tool_error, denied, timeout, cancelled, error, …).',
    ['server', 'tool', 'outcome'],
  ),
  mcpCallDuration: histogram(
    'aegis_mcp_tool_call_duration_seconds',
    'Time from asking policy to the result of one MCP tool call.',
    ['server', 'tool'],
    latencyBuckets,
  ),

  // ── RAG recording ──────────────────────────────────────────────────────────────────────────
  ragSpoolOldestAge: define('aegis_rag_spool_oldest_age_seconds', 'Age of the oldest record waiting in the spool (0 when it is empty).'),
  ragSpoolSegments: define('aegis_rag_spool_segments', 'Spool segment files waiting to be replayed.'),
  ragDropped: define('aegis_rag_dropped_total', 'Records lost (neither the queue nor the spool could take them), by reason.', ['kind', 'reason']),

  // ── upstreams ──────────────────────────────────────────────────────────────────────────────
  upstreamUp: define('aegis_upstream_up', '1 when the upstream answered its health probe.', ['upstream']),
  upstreamErrors: define('aegis_upstream_errors_total', 'Failed upstream calls by upstream and error code.', ['upstream', 'code']),
  managedRunnerUp: define('aegis_managed_runner_up', '1 while the runtime process Aegis started for the model serves.', ['upstream', 'model']),
  managedRunnerRestarts: define('aegis_managed_runner_restarts_total', 'Restarts of a managed runtime process after it died.', ['upstream', 'model']),

  // ── the Node process (prom-client's defaults, prefixed) ───────────────────────────────────
  processCpu: define('aegis_process_cpu_seconds_total', 'CPU time of the gateway process.'),
  processResidentMemory: define('aegis_process_resident_memory_bytes', 'Resident memory of the gateway process.'),
  processStartTime: define('aegis_process_start_time_seconds', 'Start time of the gateway process (Unix seconds).'),
  eventLoopLag: define('aegis_nodejs_eventloop_lag_p99_seconds', '99th percentile of the event loop delay.'),
  heapUsed: define('aegis_nodejs_heap_size_used_bytes', 'V8 heap in use.'),
} as const satisfies Record<string, MetricDefinition>;

/** Series prom-client's `collectDefaultMetrics` registers (not built from the definitions). */
export const processDefaults: readonly MetricDefinition[] = [
  metricNames.processCpu,
  metricNames.processResidentMemory,
  metricNames.processStartTime,
  metricNames.eventLoopLag,
  metricNames.heapUsed,
];

// Every metric whose values a subsystem reports at scrape time, by name: the composition root
// registers them from here, so no metric name is written anywhere else. Prefixed `aegis_`, base
// units, bounded labels (configured names, never client-supplied strings).

export interface MetricDefinition {
  name: string;
  help: string;
  labels: readonly string[];
}

const define = (name: string, help: string, labels: readonly string[] = []): MetricDefinition => ({ name, help, labels });

export const metricNames = {
  policyDecisions: define('aegis_policy_decisions_total', 'Policy decisions by result.', ['result']),
  policyEvaluationErrors: define('aegis_policy_evaluation_errors_total', 'Policy evaluations that failed (denied closed).'),
  policyReloadErrors: define('aegis_policy_reload_errors_total', 'Policy bundle or data reloads rejected (the previous policy kept serving).'),
  schedulerMemoryUsed: define('aegis_scheduler_memory_used_bytes', 'Bytes counted against each resource budget.', ['resource']),
  schedulerMemoryLimit: define('aegis_scheduler_memory_limit_bytes', 'Usable bytes of each resource (budget minus reserve).', ['resource']),
  schedulerModelLoaded: define('aegis_scheduler_model_loaded', '1 when the model is resident (ready), else 0.', ['model']),
  schedulerQueued: define('aegis_scheduler_queued_requests', 'Requests waiting for a lease, by model.', ['model']),
  schedulerLoads: define('aegis_scheduler_loads_total', 'Model loads started by the scheduler.', ['model']),
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
} as const satisfies Record<string, MetricDefinition>;

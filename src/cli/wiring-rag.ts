// Records every finished exchange and every audited event: the durable outbox (queue + spool) into
// MongoDB when MONGODB_URI or `mongodb.uri` is set, the embedded SQLite store otherwise.
import type { AegisConfig } from '../config';
import type { ExchangeFinished, ExchangeSink, Logger } from '../core';
import type { AuditSink } from '../gateway';
import { metricNames } from '../metrics';
import { exchangeRecord, openRagStorage, recordObligations, type DropReason, type EmbeddedStoreConfig, type Embedder, type RagStorage } from '../rag';
import type { RuntimeContext } from './runtime';

/** Every DropReason (the `satisfies` fails to compile when src/rag adds one). */
const DROP_REASONS = Object.keys({
  queue_full: true,
  spool_full: true,
  spool_error: true,
  closed: true,
  invalid_record: true,
  dead_letter_error: true,
  spool_disk_full: true,
} satisfies Record<DropReason, true>);

/** The embedded store's settings from `rag` (the registry and `aegis records` open the same file). */
export function embeddedStoreConfig(config: AegisConfig): EmbeddedStoreConfig {
  const { rag } = config;
  const textMode = rag.fieldMapping?.textMode;
  return {
    ...rag.embedded,
    retentionDays: rag.retentionDays,
    auditRetentionDays: rag.auditRetentionDays,
    textMode: textMode === 'transcript' || textMode === 'last-turn' ? textMode : undefined,
  };
}

export interface RagWiringOptions {
  logger: Logger;
  cwd?: string;
  /** MONGODB_URI from the environment (read by the composition root only). */
  mongoUri?: string;
  /** Embeds records and queries (`rag.embeddingModel`). */
  embedder?: Embedder;
}

export interface WiredRag {
  sink: ExchangeSink;
  audit: AuditSink;
  /** Nothing waiting to be recorded. */
  idle(): boolean;
  /** Records what is still waiting, then delivers or spools it all. */
  close(options: { timeoutMs: number }): Promise<void>;
  storage: RagStorage;
}

export async function wireRag(
  ctx: Pick<RuntimeContext, 'clock' | 'metrics'>,
  config: AegisConfig,
  { logger, cwd, mongoUri, embedder }: RagWiringOptions,
): Promise<WiredRag | undefined> {
  const rag = config.rag;
  if (!rag.enabled) return undefined;
  const uri = config.mongodb.uri ?? mongoUri;
  const storage = await openRagStorage({
    mongodb: uri
      ? {
          uri,
          database: config.mongodb.database,
          collections: rag.collections,
          fieldMapping: rag.fieldMapping as never,
          retentionDays: rag.retentionDays,
          auditRetentionDays: rag.auditRetentionDays,
        }
      : undefined,
    embedded: embeddedStoreConfig(config),
    spool: rag.spool,
    queue: rag.queue,
    redaction: rag.redaction,
    embedder,
    cwd,
    clock: ctx.clock,
    logger: logger.child({ component: 'rag' }),
  });
  // Exchanges are recorded once per event-loop turn, every one that finished in it together
  // (setImmediate), not inside each request: a whole answer does not wait for its record to be
  // built, redacted and queued, and that code stays hot across the batch (bench/README.md).
  let pending: ExchangeFinished[] = [];
  const recordPending = (): void => {
    const batch = pending;
    pending = [];
    for (const e of batch) {
      try {
        storage.recorder.record(exchangeRecord(e), recordObligations(e));
      } catch (err) {
        // Outside any request now: an exchange the record cannot be built from must not end the process.
        logger.error({ err, requestId: e.requestId }, 'could not record the exchange');
      }
    }
  };
  const stats = () => storage.stats();
  const m = ctx.metrics;
  m.counterFrom(metricNames.ragRecords, () => {
    const s = stats();
    const byKind = (['exchange', 'audit'] as const).flatMap((kind) =>
      Object.entries(s[kind]).map(([outcome, value]) => ({ labels: { kind, outcome }, value })),
    );
    return [...byKind, { labels: { kind: 'response', outcome: 'expired' }, value: storage.health().expired.response }];
  });
  m.gaugeFrom(metricNames.ragQueueDepth, () => [{ value: stats().queueDepth }]);
  m.gaugeFrom(metricNames.ragSpoolBytes, () => [{ value: stats().spoolBytes }]);
  m.gaugeFrom(metricNames.ragStoreUp, () => [{ value: stats().storeUp ? 1 : 0 }]);
  m.gaugeFrom(metricNames.ragSpoolDiskFull, () => [{ value: stats().spoolDiskFull ? 1 : 0 }]);
  m.gaugeFrom(metricNames.ragStoreDiskFull, () => [{ value: storage.health().diskFull ? 1 : 0 }]);
  m.gaugeFrom(metricNames.ragStoreBytes, () => {
    const h = storage.health();
    return h.bytes === undefined ? [] : [{ value: h.bytes }];
  });
  m.gaugeFrom(metricNames.ragStoreMaxBytes, () => {
    const h = storage.health();
    return h.maxBytes === undefined ? [] : [{ value: h.maxBytes }];
  });
  m.gaugeFrom(metricNames.ragSpoolSegments, () => [{ value: stats().spoolSegments }]);
  m.gaugeFrom(metricNames.ragSpoolOldestAge, () => {
    const at = stats().spoolOldestAt;
    return [{ value: at === undefined ? 0 : Math.max(0, (ctx.clock.now() - at) / 1000) }];
  });
  const dropped = m.counter(metricNames.ragDropped);
  // Every reason starts at zero: losing records is what an alert watches for, from the first one.
  for (const kind of ['exchange', 'audit'] as const) for (const reason of DROP_REASONS) dropped.inc({ kind, reason }, 0);
  storage.onEvent((e) => {
    if (e.type === 'dropped') dropped.inc({ kind: e.kind, reason: e.reason }, e.count);
  });
  logger.info({ store: storage.store.location, spool: rag.spool?.dir ?? '.aegis/spool' }, 'exchange recording enabled');
  return {
    storage,
    sink: {
      exchangeFinished(e) {
        if (pending.push(e) === 1) setImmediate(recordPending);
      },
    },
    audit: (event) => storage.audit.record(event),
    idle: () => pending.length === 0 && storage.idle(),
    // Exchanges that finished in this very turn are queued before the outbox delivers and closes.
    close: (options) => {
      recordPending();
      return storage.close(options);
    },
  };
}

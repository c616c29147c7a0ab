// The gateway-facing ports on top of the outbox: redact, apply the policy's logging obligations,
// enqueue. Both never throw and never wait, so MongoDB can never fail a client request.
import { systemClock, silentLogger, timeOrderedUuid, type Clock, type Logger } from '../core';
import { decisionAudit } from './decision-audit';
import type { Outbox } from './outbox';
import { defaultSecretPatterns, patternsWith, redactRecord, redactValue, type RedactionPattern } from './redact';
import type { AuditEventInput, AuditSink, ExchangeRecord, ExchangeRecorder, RecordedMessage, RecordObligations } from './types';

export interface RecorderOptions {
  outbox: Outbox;
  /** The always-on redaction set: the default secret patterns plus operator regexes. */
  patterns?: readonly RedactionPattern[];
  clock?: Clock;
  logger?: Logger;
}

const NOT_LOGGED = '[not logged]';

function withoutText(m: RecordedMessage): RecordedMessage {
  return { ...m, content: m.content ? NOT_LOGGED : '', toolCalls: m.toolCalls?.map((c) => ({ ...c, arguments: NOT_LOGGED })) };
}

/** `log: metadata`: keep ids, counts, timings and statuses; drop every text a user or model wrote. */
export function metadataOnly(record: ExchangeRecord): ExchangeRecord {
  return {
    ...record,
    messages: record.messages.map(withoutText),
    truncation: record.truncation && { ...record.truncation, dropped: undefined },
    answer: record.answer ? NOT_LOGGED : '',
    toolCalls: record.toolCalls.map((c) => ({ ...c, arguments: NOT_LOGGED, result: c.result === undefined ? undefined : NOT_LOGGED })),
    error: record.error && { code: record.error.code, message: NOT_LOGGED },
  };
}

export class OutboxExchangeRecorder implements ExchangeRecorder {
  private readonly outbox: Outbox;
  private readonly patterns: readonly RedactionPattern[];
  private readonly logger: Logger;

  constructor({ outbox, patterns = defaultSecretPatterns, logger = silentLogger }: RecorderOptions) {
    this.outbox = outbox;
    this.patterns = patterns;
    this.logger = logger;
  }

  record(record: ExchangeRecord, obligations: RecordObligations = {}): void {
    try {
      if (obligations.log === 'none') {
        this.outbox.note('exchange', 'suppressed');
        return this.recordDecisionAlone(record);
      }
      const kept = obligations.log === 'metadata' ? metadataOnly(record) : record;
      const data = redactRecord(kept, { patterns: this.patterns, extra: obligations.redact });
      const id = data.id || data.requestId;
      this.outbox.push({ kind: 'exchange', id, data: data.id === id ? data : { ...data, id } });
    } catch (err) {
      // A bad obligation regex or a malformed record: counted and logged (without its content).
      this.outbox.note('exchange', 'invalid_record');
      this.logger.error({ err, requestId: record.requestId }, 'could not record the exchange');
      this.recordDecisionAlone(record);
    }
  }

  /** The decision a record carries is audited even when the record itself is not kept. */
  private recordDecisionAlone(record: ExchangeRecord): void {
    try {
      const event = decisionAudit(record);
      if (event) this.outbox.push({ kind: 'audit', id: event.id, data: redactValue(event, this.patterns) });
    } catch (err) {
      this.outbox.note('audit', 'invalid_record');
      this.logger.error({ err, requestId: record.requestId }, 'could not record the policy decision');
    }
  }
}

export class OutboxAuditSink implements AuditSink {
  private readonly outbox: Outbox;
  private readonly patterns: readonly RedactionPattern[];
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor({ outbox, patterns = defaultSecretPatterns, clock = systemClock, logger = silentLogger }: RecorderOptions) {
    this.outbox = outbox;
    this.patterns = patterns;
    this.clock = clock;
    this.logger = logger;
  }

  record(event: AuditEventInput, obligations: Pick<RecordObligations, 'redact'> = {}): void {
    try {
      const stamped = { ...event, id: event.id ?? timeOrderedUuid(this.clock.now()), time: event.time ?? new Date(this.clock.now()).toISOString() };
      const data = redactValue(stamped, patternsWith(this.patterns, obligations.redact));
      this.outbox.push({ kind: 'audit', id: data.id, data });
    } catch (err) {
      this.outbox.note('audit', 'invalid_record');
      this.logger.error({ err, type: event.type }, 'could not record the audit event');
    }
  }
}

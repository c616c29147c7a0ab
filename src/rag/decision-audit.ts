// The audit event of the decision that allowed an exchange, rebuilt from the exchange record that
// carries it: one outbox item and one spool line per request instead of two.
import type { AuditEvent, ExchangeRecord } from './types';

/**
 * The `policy.decision` event for a record with an allow decision, else undefined. Its id is the
 * decision id, so a replayed record re-inserts the same audit document (a duplicate, never a second
 * one); its time is the request's arrival, when the policy decided.
 */
export function decisionAudit(record: ExchangeRecord): AuditEvent | undefined {
  if (!record.decision || !record.decisionId) return undefined;
  return {
    id: record.decisionId,
    time: record.time,
    type: 'policy.decision',
    actor: record.principalId,
    target: record.modelVersion === undefined ? record.model : `${record.model}@${record.modelVersion}`,
    outcome: 'allow',
    requestId: record.requestId,
    decisionId: record.decisionId,
    details: { route: record.route, reasons: record.decision.reasons },
  };
}

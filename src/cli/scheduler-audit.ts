// The scheduler's evictions and preemptions as audit records: an operator can account for every
// model that left memory and every request the scheduler cut, and why.
import type { GatewayDeps } from '../gateway';
import type { SchedulerEvent } from '../scheduler';

export type AuditRecord = Parameters<NonNullable<GatewayDeps['audit']>>[0];

/** The audit record of an eviction or preemption; other events (loads, rejections) are metrics only. */
export function schedulerAuditRecord(event: SchedulerEvent): AuditRecord | undefined {
  if (event.type === 'load' || event.type === 'rejection') return undefined;
  const freedBytes = Object.values(event.freed).reduce((sum, bytes) => sum + bytes, 0);
  const freed = { freedBytes, freedByResource: event.freed };
  if (event.type === 'eviction') {
    const forModel = event.forModel === undefined ? {} : { forModel: event.forModel };
    return { type: 'scheduler.eviction', actor: 'scheduler', target: event.model, outcome: 'ok', details: { reason: event.reason, ...freed, ...forModel } };
  }
  return {
    type: 'scheduler.preemption',
    actor: 'scheduler',
    target: event.model,
    outcome: 'ok',
    details: {
      reason: 'preemption',
      ...freed,
      byModel: event.byModel,
      byPriority: event.byPriority,
      revokedLeases: event.revoked.length,
      revokedPriorities: event.revoked,
    },
  };
}

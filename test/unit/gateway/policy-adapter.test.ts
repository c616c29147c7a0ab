import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/core';
import type { AuditSink } from '../../../src/gateway';
import { opaRequestPolicy } from '../../../src/gateway/policy-adapter';
import { UsageMeter } from '../../../src/gateway/usage-meter';
import { FakePolicyEngine } from '../../../src/policy';
import { modelEntry } from './fixtures';

type AuditEvent = Parameters<AuditSink>[0];

function policyWith(answer: ConstructorParameters<typeof FakePolicyEngine>[0]) {
  const events: AuditEvent[] = [];
  const clock = new ManualClock(Date.UTC(2025, 5, 1, 12));
  const policy = opaRequestPolicy(new FakePolicyEngine(answer), clock, new UsageMeter(clock), (e) => events.push(e));
  const check = () =>
    policy.check({
      principal: { id: 'team-a', name: 'A', roles: ['user'] },
      route: 'chat',
      model: modelEntry(),
      request: { model: 'm', messages: [{ role: 'user', content: 'hi' }] },
      requestId: 'req-1',
    });
  return { events, check };
}

describe('opaRequestPolicy', () => {
  it('leaves an allow to be audited with its exchange record, handing on the reasons', () => {
    const { events, check } = policyWith(() => ({ allow: true, reasons: ['max_tokens capped'] }));
    expect(check()).toMatchObject({ id: 'fake-1', reasons: ['max_tokens capped'], log: true });
    expect(events).toEqual([]);
  });

  it('audits a denial at once, since no exchange follows it', () => {
    const { events, check } = policyWith(() => ({ allow: false, reasons: ['model not allowed'] }));
    expect(check).toThrow(/Denied by policy: model not allowed/);
    expect(events).toEqual([
      {
        type: 'policy.decision',
        actor: 'team-a',
        target: 'm@1',
        outcome: 'deny',
        requestId: 'req-1',
        decisionId: 'fake-1',
        details: { route: 'chat', reasons: ['model not allowed'] },
      },
    ]);
  });
});

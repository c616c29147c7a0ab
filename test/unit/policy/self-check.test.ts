// The reload gate: deny by default, well-formed decisions for every role, operator cases.
import { describe, expect, it } from 'vitest';
import { FakePolicyEngine, defaultPolicyData, selfCheck, type Decision } from '../../../src/policy';

describe('self-check', () => {
  it('rejects a policy that allows principals without roles', () => {
    const permissive = new FakePolicyEngine();
    const problems = selfCheck((input) => permissive.decide(input), defaultPolicyData);
    expect(problems).toContain('request with no roles was allowed: the policy no longer denies by default');
    expect(problems).toContain('tool call with unknown role was allowed: the policy no longer denies by default');
  });

  it('rejects malformed decisions and evaluation failures, role by role', () => {
    const problems = selfCheck((input) => {
      if (input.principal.roles.includes('admin')) throw new Error('eval_conflict_error');
      const d = new FakePolicyEngine(() => ({ allow: false })).decide(input);
      return { ...d, obligations: { ...d.obligations, priority: 3 } } as unknown as Decision;
    }, defaultPolicyData);
    expect(problems).toContain('request as role admin: evaluation failed: eval_conflict_error');
    expect(problems).toContain('request as role user: priority is not a string');
  });

  it('passes a deny-by-default policy', () => {
    const strict = new FakePolicyEngine((input) => ({ allow: input.principal.roles.some((r) => r in defaultPolicyData.roles) }));
    expect(selfCheck((input) => strict.decide(input), defaultPolicyData)).toEqual([]);
  });
});

// Decision-table cases: an input, optional data, and the decision expected. The same format drives
// the vitest suite, `aegis policy test` and the engine's self-check of a new bundle or data.
import { isPlainObject, mergeDeep, type PolicyData } from './data';
import type { Decision, PolicyInput } from './types';

export interface DecisionExpectation {
  allow: boolean;
  /** Each string must occur in some reason; an empty list means "no reasons at all". */
  reasons?: string[];
  /** Deep subset of the obligations; arrays compare whole. */
  obligations?: Record<string, unknown>;
}

export interface DecisionCase {
  name: string;
  /** Deep-merged over the table's `base_input` (objects merge, anything else replaces). */
  input: Record<string, unknown>;
  /** Merged over the table's data for this case only (see mergePolicyData). */
  data?: Partial<PolicyData>;
  expect: DecisionExpectation;
}

export interface DecisionTable {
  description?: string;
  /** Merged over the shipped default data; omit to test the defaults themselves. */
  data?: Partial<PolicyData>;
  base_input?: Record<string, unknown>;
  cases: DecisionCase[];
}

export function caseInput(table: Pick<DecisionTable, 'base_input'>, c: Pick<DecisionCase, 'input'>): PolicyInput {
  return mergeDeep(table.base_input ?? {}, c.input) as unknown as PolicyInput;
}

function subsetProblems(path: string, expected: unknown, actual: unknown, out: string[]): void {
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) {
      out.push(`${path}: expected an object, got ${JSON.stringify(actual)}`);
      return;
    }
    for (const [k, v] of Object.entries(expected)) subsetProblems(`${path}.${k}`, v, actual[k], out);
  } else if (JSON.stringify(expected) !== JSON.stringify(actual)) {
    out.push(`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Every way `decision` misses `expect`; empty when it matches. */
export function expectationProblems(decision: Pick<Decision, 'allow' | 'reasons' | 'obligations'>, expect: DecisionExpectation): string[] {
  const problems: string[] = [];
  if (decision.allow !== expect.allow)
    problems.push(`allow: expected ${expect.allow}, got ${decision.allow} (reasons: ${decision.reasons.join('; ') || 'none'})`);
  if (expect.reasons) {
    if (expect.reasons.length === 0 && decision.reasons.length > 0) problems.push(`reasons: expected none, got ${JSON.stringify(decision.reasons)}`);
    for (const want of expect.reasons) {
      if (!decision.reasons.some((r) => r.includes(want))) problems.push(`reasons: none contains "${want}" (got ${JSON.stringify(decision.reasons)})`);
    }
  }
  if (expect.obligations) subsetProblems('obligations', expect.obligations, decision.obligations, problems);
  return problems;
}

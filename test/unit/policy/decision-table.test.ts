// The shared decision table (policy/decision-cases.json) through the committed wasm bundle: every
// rule of policies.rego, allow and deny, with the shipped default data.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBundleDir, runDecisionTable, type CaseResult, type DecisionTable } from '../../../src/policy';

const repo = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));
const table = JSON.parse(readFileSync(repo('policy/decision-cases.json'), 'utf8')) as DecisionTable;

describe('decision table through the wasm engine', () => {
  let results: Map<string, CaseResult>;

  beforeAll(async () => {
    const list = await runDecisionTable(table, await readBundleDir(repo('policy/bundle')));
    results = new Map(list.map((r) => [r.name, r]));
  });

  it('has unique case names', () => {
    expect(new Set(table.cases.map((c) => c.name)).size).toBe(table.cases.length);
  });

  it('covers allow and deny for requests and tool calls', () => {
    const kinds = new Set(table.cases.map((c) => `${'tool_call' in c.input ? 'tool' : 'request'}:${c.expect.allow}`));
    expect(kinds).toEqual(new Set(['request:true', 'request:false', 'tool:true', 'tool:false']));
  });

  it.each(table.cases.map((c) => [c.name]))('%s', (name) => {
    expect(results.get(name)?.problems).toEqual([]);
  });
});

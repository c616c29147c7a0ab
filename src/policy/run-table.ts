// Runs a decision table through the real wasm engine: what `aegis policy test` and the vitest suite
// both call, so a case means the same thing in CI and on an operator's machine.
import type { PolicyBundle } from './bundle';
import { defaultPolicyData, mergePolicyData, type PolicyData } from './data';
import { caseInput, expectationProblems, type DecisionTable } from './decision-table';
import { WasmPolicyEngine } from './engine';
import type { Decision } from './types';

export interface CaseResult {
  name: string;
  pass: boolean;
  problems: string[];
  decision?: Decision;
}

export async function runDecisionTable(table: DecisionTable, bundle: PolicyBundle): Promise<CaseResult[]> {
  const tableData: PolicyData = mergePolicyData(defaultPolicyData, table.data);
  const engine = await WasmPolicyEngine.create({ bundle, data: tableData });
  const results: CaseResult[] = [];
  let current = tableData;
  for (const c of table.cases) {
    const wanted = c.data ? mergePolicyData(tableData, c.data) : tableData;
    if (wanted !== current) {
      const swapped = await engine.setData(wanted);
      if (!swapped.ok) {
        results.push({ name: c.name, pass: false, problems: [`case data rejected: ${swapped.error}`] });
        continue;
      }
      current = wanted;
    }
    const decision = engine.decide(caseInput(table, c));
    const problems = expectationProblems(decision, c.expect);
    results.push({ name: c.name, pass: problems.length === 0, problems, decision });
  }
  return results;
}

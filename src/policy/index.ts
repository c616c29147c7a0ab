// Public surface of src/policy: the PolicyEngine port and its OPA-wasm engine, the input builder and
// content facts, decisions and their enforcement helpers, bundles, data and decision tables.
export * from './types';
export {
  WasmPolicyEngine,
  type WasmPolicyEngineOptions,
  type PolicyStats,
  type ReloadResult,
  type ReloadEvent,
  type ReloadErrorEvent,
  type ReloadKind,
} from './engine';
export { FakePolicyEngine, permissiveObligations, type FakeAnswer } from './fake-engine';
export {
  buildPolicyInput,
  buildToolCallInput,
  policyModel,
  policyTime,
  type ModelLike,
  type PolicyInputOptions,
  type RequestBodyLike,
  type ToolCallOptions,
} from './input';
export {
  argumentFacts,
  findSecrets,
  foundFacts,
  hasImages,
  messageFacts,
  messageTexts,
  noContentFacts,
  secretFacts,
  type ChatMessageLike,
  type SecretMatch,
} from './facts';
export {
  DECISION_HEADER,
  QUOTA_REASON_PREFIX,
  allowedTools,
  decisionHeaders,
  enforce,
  isQuotaDenial,
  matchesPattern,
  mcpToolAllowed,
  policyDeniedError,
  toDecision,
} from './decision';
export {
  ENTRYPOINTS,
  bundleRevision,
  isFresh,
  readBundleDir,
  readTarGz,
  sourceChecksum,
  wasmFromTarGz,
  type BundleManifest,
  type PolicyBundle,
} from './bundle';
export {
  defaultPolicyData,
  mergeDeep,
  mergePolicyData,
  type ArgumentRule,
  type ModelGroup,
  type PolicyData,
  type RoleData,
  type RoleQuotas,
  type RoleSchedule,
} from './data';
export { validatePolicyData } from './validate-data';
export { selfCheck, shapeProblems, type Decide, type SelfCheckCase } from './self-check';
export { preparePolicyData, type PreparedData } from './prepare-data';
export { caseInput, expectationProblems, type DecisionCase, type DecisionExpectation, type DecisionTable } from './decision-table';
export { runDecisionTable, type CaseResult } from './run-table';
export { defaultPolicyConfig, policyData, readBundle, startPolicyEngine, type PolicyConfig, type RunningPolicy, type StartPolicyOptions } from './load';
export { policyConfigSchema } from './config-schema';
export { watchBundle, type BundleWatcher, type BundleWatchOptions } from './watch';

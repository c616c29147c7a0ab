// Public surface of src/tools: tool calls for every model. Pure: no I/O, no clock, no config loading.
export * from './types';
export { toolsConfigSchema, defaultToolsConfig, type ToolsConfig } from './config-schema';
export { planTools, type ToolPlan, type ToolPlanInput, type RuntimeTooling, type UpstreamFields } from './plan';
export { ToolSession } from './session';
export { ToolStream } from './stream';
export { ToolTextParser } from './text-parser';
export { ConstrainedParser, type ConstrainedEvent } from './constrained-parser';
export { ToolCatalog } from './catalog';
export { INVALID_TOOL_CALL, isChatChunk, isChatCompletion, readText, readConstrained, type Reading } from './answer';
export { callSchema } from './schema';
export { randomCallId, type CallIds } from './ids';

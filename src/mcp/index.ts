// Public surface of src/mcp: the bridge from models to the organisation's MCP tools — the server
// pool (stdio, streamable HTTP, legacy SSE), tool catalogs and names, and the pure tool loop.
export { mcpConfigSchema, mcpServerSchema, type McpConfig, type McpServerConfig, type McpHttpServerConfig, type McpStdioServerConfig } from './config-schema';
export type { McpCallOptions, McpCallResult, McpContent, McpSession, McpTool } from './types';
export { connectSdk, abortSignalOf, sessionOver, type ConnectOptions } from './sdk';
export { McpServer, McpServerUnavailable, type Connector, type ServerLimits, type ServerState, type ServerStatus, type ToolCatalog } from './server';
export { McpPool, matchesName, type McpLimits, type McpPoolOptions } from './pool';
export { DeadlineExceeded, withDeadline, type DeadlineOptions } from './deadline';
export { exposedToolName, isExposedName, EXPOSED_PREFIX } from './names';
export { toolParameters } from './json-schema';
export { capText, renderResult, type RenderedResult } from './result-text';
export { splitRequestTools, type RequestedServer, type SplitTools } from './request-tools';
export { McpToolSet, addCatalog, type ExposedTool, type FunctionTool } from './toolset';
export { parseArguments, type ParsedArguments } from './arguments';
export { argumentsHash, ran, type ToolCallOutcome, type ToolCallRecord } from './call-record';
export { runCall, type CallLimits, type ToolInvocation, type ToolPorts, type ToolVerdict } from './run-call';
export { ownCalls, runToolLoop, type LoopLimits, type LoopOptions, type LoopPorts, type LoopResult, type ModelReply, type NextRound } from './loop';
export * from './endpoint';

// The MCP server Aegis offers at `/mcp` (agents call local models): its tools, the port the
// gateway implements, the async task table, and the SDK transport.
export { mcpEndpoint, type McpEndpoint, type McpEndpointOptions } from './sdk-endpoint';
export { TaskTable, TaskTableFull, type Task, type TaskState, type TaskTableOptions } from './tasks';
export {
  endpointTools,
  isEndpointTool,
  ragSearchArguments,
  type ChatArguments,
  type ConsultArguments,
  type EndpointToolArguments,
  type EndpointToolName,
  type RagSearchArguments,
  type TaskArguments,
} from './tools';
export type { EndpointBackend, EndpointCall, ToolReply } from './types';

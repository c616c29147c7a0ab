// The MCP shapes the bridge works with, independent of the SDK's classes (sdk.ts is the one module
// that imports @modelcontextprotocol/sdk, so its v2 move is one file) and of any transport.
import type { CancelSignal } from '../core';

/** A tool as a server lists it (`tools/list`). */
export interface McpTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
}

/** One content block of a tool result (`CallToolResult.content`), as far as the bridge reads it. */
export type McpContent =
  | { type: 'text'; text: string }
  | { type: 'image' | 'audio'; data: string; mimeType: string }
  | { type: 'resource'; resource: { uri: string; mimeType?: string; text?: string; blob?: string } }
  | { type: 'resource_link'; uri: string; name?: string; mimeType?: string; description?: string }
  | { type: string; [field: string]: unknown };

export interface McpCallResult {
  content: McpContent[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface McpCallOptions {
  /** Aborting sends `notifications/cancelled` to the server and rejects the call. */
  signal: CancelSignal;
  /** `notifications/progress` for this call. */
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

/** One live session with a server, over whatever transport (the port tests fake in memory). */
export interface McpSession {
  /** One page of `tools/list`. */
  listTools(cursor: string | undefined, signal: CancelSignal): Promise<{ tools: McpTool[]; nextCursor?: string }>;
  callTool(name: string, args: Record<string, unknown>, options: McpCallOptions): Promise<McpCallResult>;
  close(): Promise<void>;
  /** The transport closed (the stdio process died, the HTTP session ended). */
  onClose(listener: () => void): void;
  /** The server sent `notifications/tools/list_changed`. */
  onToolsChanged(listener: () => void): void;
  /** The server process of a stdio session (for operators; absent over HTTP). */
  readonly pid?: number;
}

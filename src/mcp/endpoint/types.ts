// The port between the MCP endpoint (this folder, the protocol) and whoever runs its tools (the
// gateway: the pipeline, the catalog, the RAG store). The endpoint never sees an HTTP framework.
import type { EndpointToolArguments, EndpointToolName } from './tools';

/** What a tool call returns: text for the model or agent, structured content, and whether it failed. */
export interface ToolReply {
  text: string;
  structured?: Record<string, unknown>;
  /** A refusal or failure the caller should read (MCP `isError`), never a transport error. */
  isError?: boolean;
}

/** One call as the backend sees it. `caller` is whatever the transport authenticated (opaque here). */
export interface EndpointCall<K extends EndpointToolName = EndpointToolName> {
  tool: K;
  arguments: EndpointToolArguments[K];
  caller: unknown;
  /** Reports progress to the client (a no-op when it sent no progress token). */
  progress(message: string): void;
  /** Aborted when the client cancels the call or goes away. */
  signal: AbortSignal;
}

export interface EndpointBackend {
  call(call: EndpointCall): Promise<ToolReply>;
}

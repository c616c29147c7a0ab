// `/mcp` over the SDK's web-standard streamable HTTP transport, stateless: every HTTP request gets
// its own low-level SDK Server (the SDK's documented stateless pattern), so nothing is kept per
// client and a call's caller is the one that request authenticated. Async tasks, which must
// outlive a connection, live in the TaskTable instead of in a session.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv-provider.js';
import type { Logger } from '../../core';
import { endpointArguments, endpointTools, isEndpointTool } from './tools';
import type { EndpointBackend, ToolReply } from './types';

export interface McpEndpointOptions {
  backend: EndpointBackend;
  logger: Logger;
  /** What the server calls itself in `initialize`. */
  serverInfo?: { name: string; version: string };
  instructions?: string;
}

export interface McpEndpoint {
  /**
   * Answers one HTTP request to `/mcp` (POST JSON-RPC; GET/DELETE as the transport says). `body` is
   * a POST's parsed JSON, read by the caller within its body limit.
   */
  handle(request: Request, caller: unknown, body?: unknown): Promise<Response>;
}

/**
 * Whether any message of a POST asks for progress. Only those get an SSE response (progress
 * notifications travel on it); every other answer is one JSON body, which costs a client and the
 * gateway far less than a stream (bench/results/mcp-server.md).
 */
export function wantsProgress(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta?.progressToken !== undefined);
}

const toolList = { tools: endpointTools.map((t) => ({ ...t })) };

function result(reply: ToolReply): CallToolResult {
  return {
    content: [{ type: 'text', text: reply.text }],
    ...(reply.structured ? { structuredContent: reply.structured } : {}),
    ...(reply.isError ? { isError: true } : {}),
  };
}

const errorResult = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

export function mcpEndpoint({
  backend,
  logger,
  serverInfo = { name: 'aegis', version: '0.1.0' },
  instructions = 'Local models of this organisation: chat with one, list them, search the organisation memory, have one answer a consultation.',
}: McpEndpointOptions): McpEndpoint {
  // A Server builds its own Ajv instance unless given one, which was a third of a call's cost here.
  // The endpoint never validates with it (it is for elicitation), so all servers share one.
  const jsonSchemaValidator = new AjvJsonSchemaValidator();

  function serverFor(caller: unknown): Server {
    const server = new Server(serverInfo, { capabilities: { tools: {} }, instructions, jsonSchemaValidator });
    server.setRequestHandler(ListToolsRequestSchema, () => toolList);
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const { name, arguments: raw = {} } = request.params;
      // Unknown tools and bad arguments are results the agent reads, as the spec advises.
      if (!isEndpointTool(name)) return errorResult(`Unknown tool "${name}".`);
      const parsed = endpointArguments[name].safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return errorResult(`Invalid arguments for ${name}: ${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'invalid'}`);
      }
      const token = request.params._meta?.progressToken;
      let step = 0;
      let last = '';
      const progress = (message: string): void => {
        if (token === undefined || message === last) return;
        last = message;
        step++;
        extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: step, message } }).catch(() => {});
      };
      try {
        return result(await backend.call({ tool: name, arguments: parsed.data as never, caller, progress, signal: extra.signal }));
      } catch (err) {
        logger.error({ err, tool: name }, 'MCP endpoint tool failed');
        return errorResult(`The tool failed: ${(err as Error).message}`);
      }
    });
    return server;
  }

  return {
    async handle(request, caller, body) {
      const server = serverFor(caller);
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !wantsProgress(body) });
      await server.connect(transport);
      return transport.handleRequest(request, body === undefined ? undefined : { parsedBody: body });
    },
  };
}

// The one module that imports @modelcontextprotocol/sdk (v1): a server config becomes a live
// McpSession over stdio, streamable HTTP, or legacy HTTP+SSE. When the SDK's v2 packages arrive
// only the imports here move (subsystems.md §3.1).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CancelSignal, Logger } from '../core';
import type { McpHttpServerConfig, McpServerConfig, McpStdioServerConfig } from './config-schema';
import type { McpCallResult, McpSession, McpTool } from './types';

/** What Aegis tells servers it is (`clientInfo` of `initialize`). */
const clientInfo = { name: 'aegis', version: '0.1.0' };

/**
 * The SDK arms its own request timer; Aegis enforces timeouts on its Clock (deadline.ts) and
 * cancels through the signal, so the SDK's must never fire first: the largest timer Node allows.
 */
const NO_SDK_TIMEOUT = 2_147_483_647;

/** Lines of a stdio server's stderr kept to explain why it failed to start or died. */
const STDERR_LINES = 20;

export interface ConnectOptions {
  signal: CancelSignal;
  logger: Logger;
}

/** An AbortSignal that follows a CancelSignal (the SDK and fetch want the real thing). */
export function abortSignalOf(cancel: CancelSignal): AbortSignal {
  const controller = new AbortController();
  if (cancel.aborted) controller.abort(cancel.reason);
  else cancel.addEventListener('abort', () => controller.abort(cancel.reason), { once: true });
  return controller.signal;
}

function newClient(toolsChanged: () => void): Client {
  // autoRefresh off: the SDK's refresh reads one page only; the catalog follows every page itself.
  return new Client(clientInfo, { capabilities: {}, listChanged: { tools: { autoRefresh: false, debounceMs: 0, onChanged: toolsChanged } } });
}

class SdkSession implements McpSession {
  private readonly closeListeners: (() => void)[] = [];
  private readonly changeListeners: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly client: Client,
    private readonly describeExit: () => string,
    private readonly transport: Transport,
  ) {}

  get pid(): number | undefined {
    return this.transport instanceof StdioClientTransport ? (this.transport.pid ?? undefined) : undefined;
  }

  static async open(transport: Transport, options: ConnectOptions, describeExit: () => string = () => ''): Promise<SdkSession> {
    let session: SdkSession | undefined;
    const client = newClient(() => session?.toolsChanged());
    session = new SdkSession(client, describeExit, transport);
    const s = session;
    client.onclose = () => s.closedByPeer();
    client.onerror = (err) => options.logger.debug({ err: err.message }, 'MCP transport error');
    const signal = abortSignalOf(options.signal);
    const abort = () => void transport.close().catch(() => {});
    signal.addEventListener('abort', abort, { once: true });
    try {
      await client.connect(transport, { signal, timeout: NO_SDK_TIMEOUT });
    } catch (err) {
      await transport.close().catch(() => {});
      throw withExit(err, describeExit());
    } finally {
      signal.removeEventListener('abort', abort);
    }
    return s;
  }

  private toolsChanged(): void {
    for (const l of this.changeListeners) l();
  }

  private closedByPeer(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners.splice(0)) l();
  }

  async listTools(cursor: string | undefined, signal: CancelSignal): Promise<{ tools: McpTool[]; nextCursor?: string }> {
    const page = await this.client.listTools(cursor === undefined ? undefined : { cursor }, { signal: abortSignalOf(signal), timeout: NO_SDK_TIMEOUT });
    // Tools that must run as tasks cannot be called with tools/call (the SDK refuses them).
    const tools = page.tools
      .filter((t) => t.execution?.taskSupport !== 'required')
      .map((t) => ({ name: t.name, title: t.title, description: t.description, inputSchema: { ...t.inputSchema } }));
    return { tools, nextCursor: page.nextCursor };
  }

  async callTool(name: string, args: Record<string, unknown>, { signal, onProgress }: Parameters<McpSession['callTool']>[2]): Promise<McpCallResult> {
    try {
      const result = await this.client.callTool({ name, arguments: args }, undefined, {
        signal: abortSignalOf(signal),
        timeout: NO_SDK_TIMEOUT,
        onprogress: onProgress ? (p) => onProgress({ progress: p.progress, total: p.total, message: p.message }) : undefined,
      });
      if (!('content' in result) || !Array.isArray(result.content)) {
        // Protocol 2024-10-07 servers answer `{ toolResult }`.
        return { content: [{ type: 'text', text: JSON.stringify('toolResult' in result ? result.toolResult : result) }] };
      }
      const structured: unknown = result.structuredContent;
      const structuredContent = typeof structured === 'object' && structured !== null && !Array.isArray(structured) ? { ...structured } : undefined;
      return { content: result.content, structuredContent, isError: result.isError === true };
    } catch (err) {
      throw this.closed ? withExit(err, this.describeExit()) : err;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.close();
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  onToolsChanged(listener: () => void): void {
    this.changeListeners.push(listener);
  }
}

/** A session over any SDK transport (InMemoryTransport in tests, a custom transport in embedders). */
export function sessionOver(transport: Transport, options: ConnectOptions): Promise<McpSession> {
  return SdkSession.open(transport, options);
}

function withExit(err: unknown, exit: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(exit ? `${message} (${exit})` : message, { cause: err });
}

async function connectStdio(server: McpStdioServerConfig, options: ConnectOptions): Promise<McpSession> {
  const [command, ...args] = server.command;
  // stderr is piped, not inherited: a server's chatter belongs in Aegis' log, and an unread pipe
  // would eventually block the server.
  const transport = new StdioClientTransport({ command: command!, args, env: server.env, cwd: server.cwd, stderr: 'pipe' });
  const tail: string[] = [];
  const log = options.logger;
  transport.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split(/\r?\n/)) {
      if (!line.trim()) continue;
      tail.push(line.slice(0, 500));
      if (tail.length > STDERR_LINES) tail.shift();
      log.debug({ stderr: line.slice(0, 2_000) }, 'MCP server stderr');
    }
  });
  const describe = () => (tail.length > 0 ? `stderr: ${tail.slice(-3).join(' | ')}` : '');
  return SdkSession.open(transport, options, describe);
}

async function connectHttp(server: McpHttpServerConfig, options: ConnectOptions): Promise<McpSession> {
  const url = new URL(server.url);
  const requestInit: RequestInit = { headers: server.headers };
  if (server.transport === 'sse') return SdkSession.open(new SSEClientTransport(url, { requestInit }), options);
  try {
    return await SdkSession.open(new StreamableHTTPClientTransport(url, { requestInit }), options);
  } catch (err) {
    if (server.transport !== 'auto' || options.signal.aborted) throw err;
    // The SDK's documented fallback for servers of the 2024-11-05 protocol: a fresh client over SSE.
    options.logger.debug({ err: (err as Error).message }, 'streamable HTTP failed; trying the legacy SSE transport');
    try {
      return await SdkSession.open(new SSEClientTransport(url, { requestInit }), options);
    } catch (sseErr) {
      throw new Error(`streamable HTTP: ${(err as Error).message}; SSE: ${(sseErr as Error).message}`, { cause: err });
    }
  }
}

/** Opens a session with a configured server (spawns a stdio server's process). */
export function connectSdk(server: McpServerConfig, options: ConnectOptions): Promise<McpSession> {
  return 'command' in server ? connectStdio(server, options) : connectHttp(server, options);
}

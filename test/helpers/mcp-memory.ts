// An MCP server in process, built with the SDK's own server and InMemoryTransport, for tests of the
// bridge that need a real protocol peer without a process: paginated tools/list, list_changed, a
// tool that hangs until cancelled, and a way to "crash" it.
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Connector } from '../../src/mcp';
import { sessionOver } from '../../src/mcp';

export interface MemoryMcp {
  connect: Connector;
  /** Sessions opened so far. */
  connects: number;
  /** tools/list requests served (one per page). */
  listCalls: number;
  /** Arguments of every tools/call, by tool. */
  calls: { tool: string; args: Record<string, unknown> }[];
  /** Calls whose cancellation (notifications/cancelled) reached the server. */
  cancelled: number;
  tools: Tool[];
  /** Fails the next connection attempts with this message. */
  failNext: string[];
  /** Closes the live session from the server side, as a crashed process would. */
  crash(): Promise<void>;
  /** Replaces the tool list and notifies the client (notifications/tools/list_changed). */
  changeTools(tools: Tool[]): Promise<void>;
}

const tool = (name: string, description: string, properties: Record<string, object> = {}): Tool => ({
  name,
  description,
  inputSchema: { type: 'object', properties },
});

export const defaultTools: Tool[] = [
  tool('echo', 'Echoes the text back', { text: { type: 'string' } }),
  tool('hang', 'Never answers'),
  tool('big', 'Answers with a lot of text', { chars: { type: 'number' } }),
  tool('fail', 'Always reports an error'),
];

/** A server that lists `pageSize` tools per page. */
export function memoryMcp({ pageSize = 2, tools = defaultTools }: { pageSize?: number; tools?: Tool[] } = {}): MemoryMcp {
  let live: Server | undefined;
  const m: MemoryMcp = {
    connects: 0,
    listCalls: 0,
    calls: [],
    cancelled: 0,
    tools: [...tools],
    failNext: [],
    connect: async (_config, options) => {
      const failure = m.failNext.shift();
      if (failure) throw new Error(failure);
      const server = new Server({ name: 'memory-test', version: '1.0.0' }, { capabilities: { tools: { listChanged: true } } });
      server.setRequestHandler(ListToolsRequestSchema, async (req) => {
        m.listCalls++;
        const from = Number(req.params?.cursor ?? 0);
        const page = m.tools.slice(from, from + pageSize);
        return { tools: page, nextCursor: from + pageSize < m.tools.length ? String(from + pageSize) : undefined };
      });
      server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
        const args = req.params.arguments ?? {};
        m.calls.push({ tool: req.params.name, args });
        switch (req.params.name) {
          case 'echo':
            return { content: [{ type: 'text', text: `echo: ${String(args.text)}` }] };
          case 'hang':
            return new Promise((_resolve, reject) =>
              extra.signal.addEventListener('abort', () => {
                m.cancelled++;
                reject(new Error('cancelled'));
              }),
            );
          case 'big':
            return { content: [{ type: 'text', text: 'B'.repeat(Number(args.chars ?? 100_000)) }] };
          case 'fail':
            return { content: [{ type: 'text', text: 'the disk is on fire' }], isError: true };
          default:
            return { content: [{ type: 'text', text: `unknown tool ${req.params.name}` }], isError: true };
        }
      });
      const [client, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      live = server;
      m.connects++;
      return sessionOver(client, options);
    },
    async crash() {
      await live?.close();
      live = undefined;
    },
    async changeTools(next) {
      m.tools = next;
      await live?.sendToolListChanged();
    },
  };
  return m;
}

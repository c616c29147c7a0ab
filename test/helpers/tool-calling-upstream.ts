// An OpenAI-compatible upstream on a real socket that always calls the tool it is told to while
// the request offers it, and otherwise answers with the last tool result it was given, so the
// final answer shows what the tool returned. Records every request.
import { createServer, type Server } from 'node:http';

export interface ToolCallingUpstream {
  url: string;
  requests: Record<string, unknown>[];
  /** The tool to call and its arguments (changeable between requests). */
  next: { tool: string; args: Record<string, unknown> };
  close(): Promise<void>;
}

type Message = { role?: string; content?: unknown };

export async function startToolCallingUpstream(tool: string, args: Record<string, unknown>): Promise<ToolCallingUpstream> {
  const state: ToolCallingUpstream = { url: '', requests: [], next: { tool, args }, close: async () => {} };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d));
    req.on('end', () => {
      if (req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: [{ id: 'fake' }] }));
        return;
      }
      const body = JSON.parse(raw) as { tools?: { function?: { name?: string } }[]; messages?: Message[] };
      state.requests.push(body);
      const n = state.requests.length;
      const calling = body.tools?.some((t) => t.function?.name === state.next.tool) ?? false;
      const lastTool = [...(body.messages ?? [])].reverse().find((m) => m.role === 'tool');
      const message = calling
        ? {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: `call_${n}`, type: 'function', function: { name: state.next.tool, arguments: JSON.stringify(state.next.args) } }],
          }
        : { role: 'assistant', content: `The tool said: ${String(lastTool?.content ?? 'nothing')}` };
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-${n}`,
          object: 'chat.completion',
          created: 1,
          model: 'fake',
          choices: [{ index: 0, message, finish_reason: calling ? 'tool_calls' : 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return state;
}

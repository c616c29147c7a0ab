// The MCP bridge against real MCP servers from npm that nobody here wrote (the test world's pinned
// @modelcontextprotocol/server-everything over stdio and streamable HTTP, server-memory over stdio),
// through a real Aegis runtime (the composition root's wiring) and a model on a real socket that
// always calls the tool: the plumbing end to end, with the final answer carrying the tool's result.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../src/cli/wiring';
import { MemoryLogger } from '../../src/core';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { startToolCallingUpstream, type ToolCallingUpstream } from '../helpers/tool-calling-upstream';
import { until } from '../helpers/wait';
import { freePort, startServer, type ServerProcess } from '../world/process';
import { world } from '../world/use-world';

const servers = await world('mcpservers');

interface ChatBody {
  choices: { message: { content: string | null; tool_calls?: unknown }; finish_reason: string }[];
  aegis_tool_calls: { server_label: string; name: string; status: string; output: string; arguments: string }[];
}

describe.skipIf(!servers)('MCP bridge with the reference MCP servers', () => {
  let gw: TestGateway;
  let model: ToolCallingUpstream;
  let http: ServerProcess;
  let sse: ServerProcess;
  const memoryFile = join(mkdtempSync(join(tmpdir(), 'aegis-mcp-memory-')), 'memory.jsonl');

  beforeAll(async () => {
    const port = await freePort();
    // The HTTP flavour runs as its own process, as a remote MCP server would.
    http = await startServer({
      name: 'mcp-everything-http',
      cmd: process.execPath,
      args: [servers!.everything, 'streamableHttp'],
      env: { ...process.env, PORT: String(port) },
      healthy: async () => (await fetch(`http://127.0.0.1:${port}/mcp`).catch(() => undefined)) !== undefined,
    });
    // And the legacy HTTP+SSE flavour (protocol 2024-11-05), which `transport: auto` falls back to.
    const ssePort = await freePort();
    sse = await startServer({
      name: 'mcp-everything-sse',
      cmd: process.execPath,
      args: [servers!.everything, 'sse'],
      env: { ...process.env, PORT: String(ssePort) },
      // The event stream's headers say it is up; the stream itself is dropped at once.
      healthy: async () => {
        const res = await fetch(`http://127.0.0.1:${ssePort}/sse`, { signal: AbortSignal.timeout(1_000) });
        await res.body?.cancel();
        return res.ok;
      },
    });
    model = await startToolCallingUpstream('mcp__everything__get-sum', { a: 2, b: 3 });
    gw = await startGateway(
      {
        upstreams: [{ name: 'fake', type: 'openai', url: model.url, discover: false }],
        models: [{ name: 'toolbot', upstream: 'fake', upstreamModel: 'fake', capabilities: { tools: 'native' } }],
        mcp: {
          // One round, then the answer: the model here would call forever.
          maxRounds: 1,
          servers: [
            // An argument vector run by this Node: no shell, the same on Windows.
            { name: 'everything', command: [process.execPath, servers!.everything, 'stdio'] },
            { name: 'everything-http', url: `http://127.0.0.1:${port}/mcp` },
            { name: 'everything-sse', url: `http://127.0.0.1:${ssePort}/sse` },
            { name: 'memory', command: [process.execPath, servers!.memory], env: { MEMORY_FILE_PATH: memoryFile } },
          ],
        },
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await model?.close();
    await http?.stop();
    await sse?.stop();
  });

  const chat = async (body: Record<string, unknown>): Promise<{ status: number; body: ChatBody }> => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${testKey}` },
      body: JSON.stringify({ model: 'toolbot', messages: [{ role: 'user', content: 'use the tool' }], ...body }),
    });
    return { status: res.status, body: (await res.json()) as ChatBody };
  };

  it('runs a tool of server-everything over stdio and answers with its result', async () => {
    model.next = { tool: 'mcp__everything__get-sum', args: { a: 2, b: 3 } };
    const from = model.requests.length;
    const { status, body } = await chat({ tools: [{ type: 'mcp', server_label: 'everything', allowed_tools: ['get-sum', 'echo'] }] });
    expect(status).toBe(200);
    expect(body.choices[0]!.message.content).toBe('The tool said: The sum of 2 and 3 is 5.');
    expect(body.aegis_tool_calls).toEqual([
      expect.objectContaining({ server_label: 'everything', name: 'get-sum', status: 'ok', output: 'The sum of 2 and 3 is 5.' }),
    ]);
    // The model was offered the server's real schema, and got the result as a tool message.
    const offered = (model.requests[from]!.tools as { function: { name: string; parameters: { required?: string[] } } }[]).map((t) => t.function);
    expect(offered.map((f) => f.name).sort()).toEqual(['mcp__everything__echo', 'mcp__everything__get-sum']);
    expect(offered.find((f) => f.name === 'mcp__everything__get-sum')!.parameters.required).toEqual(['a', 'b']);
    expect((model.requests[from + 1]!.messages as { role: string; content: string }[]).at(-1)).toEqual({
      role: 'tool',
      tool_call_id: `call_${from + 1}`,
      content: 'The sum of 2 and 3 is 5.',
    });
  });

  it('runs a tool of server-everything over streamable HTTP', async () => {
    model.next = { tool: 'mcp__everything-http__echo', args: { message: 'over http' } };
    const { status, body } = await chat({ tools: [{ type: 'mcp', server_label: 'everything-http' }] });
    expect(status).toBe(200);
    expect(body.choices[0]!.message.content).toBe('The tool said: Echo: over http');
  });

  it('falls back to the legacy SSE transport for a server that only speaks it', async () => {
    model.next = { tool: 'mcp__everything-sse__echo', args: { message: 'over sse' } };
    const { status, body } = await chat({ tools: [{ type: 'mcp', server_label: 'everything-sse' }] });
    expect(status).toBe(200);
    expect(body.choices[0]!.message.content).toBe('The tool said: Echo: over sse');
  });

  it('summarises structured content and images for the model', async () => {
    model.next = { tool: 'mcp__everything__get-tiny-image', args: {} };
    const { body } = await chat({ tools: [{ type: 'mcp', server_label: 'everything' }] });
    expect(body.aegis_tool_calls[0]!.output).toMatch(/\[image image\/png, \d+ bytes, not shown\]/);
    expect(body.aegis_tool_calls[0]!.output).not.toMatch(/iVBOR/);
  });

  it('writes to and reads from server-memory', async () => {
    model.next = {
      tool: 'mcp__memory__create_entities',
      args: { entities: [{ name: 'Aegis', entityType: 'gateway', observations: ['bridges MCP tools'] }] },
    };
    const created = await chat({ tools: [{ type: 'mcp', server_label: 'memory' }] });
    expect(created.body.aegis_tool_calls[0]!.status).toBe('ok');
    expect(readFileSync(memoryFile, 'utf8')).toContain('bridges MCP tools');
    model.next = { tool: 'mcp__memory__search_nodes', args: { query: 'Aegis' } };
    const found = await chat({ tools: [{ type: 'mcp', server_label: 'memory' }] });
    expect(found.body.choices[0]!.message.content).toContain('bridges MCP tools');
  });

  it('restarts a crashed stdio server on the next request', async () => {
    const mcp = gw.runtime.deps.mcp!;
    const before = mcp.status().find((s) => s.name === 'everything')!;
    expect(before.pid).toBeGreaterThan(0);
    process.kill(before.pid!, 'SIGKILL');
    await until(() => mcp.status().find((s) => s.name === 'everything')!.state === 'idle', 5_000, 'the pool to see the crash');
    model.next = { tool: 'mcp__everything__get-sum', args: { a: 20, b: 22 } };
    const { status, body } = await chat({ tools: [{ type: 'mcp', server_label: 'everything' }] });
    expect(status).toBe(200);
    expect(body.choices[0]!.message.content).toBe('The tool said: The sum of 20 and 22 is 42.');
    const after = mcp.status().find((s) => s.name === 'everything')!;
    expect(after.connects).toBe(before.connects + 1);
    expect(after.pid).not.toBe(before.pid);
  });

  it('exports the calls and the servers as metrics', async () => {
    const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${testKey}` } })).text();
    expect(text).toMatch(/aegis_mcp_tool_calls_total\{server="everything",tool="get-sum",outcome="ok"\} [1-9]/);
    expect(text).toMatch(/aegis_mcp_server_up\{server="everything"\} 1/);
    expect(text).toMatch(/aegis_mcp_server_connects_total\{server="everything"\} 2/);
  });
});

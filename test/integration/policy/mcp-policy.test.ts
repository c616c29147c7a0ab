// The shipped policies.rego deciding MCP servers and tool calls through the gateway: the request
// decision's `mcp.servers` obligation (403 before any model call, tools filtered) and the
// `tool_decision` entrypoint per call (argument rules), with server-everything as the real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../../src/cli/wiring';
import { MemoryLogger } from '../../../src/core';
import { hashKey, type AuditEvent } from '../../../src/gateway';
import { startGateway, type TestGateway } from '../../helpers/gateway';
import { startToolCallingUpstream, type ToolCallingUpstream } from '../../helpers/tool-calling-upstream';
import { world } from '../../world/use-world';

const servers = await world('mcpservers');
const keys = { user: 'aegis-user-key-000000000000000000', analyst: 'aegis-analyst-key-00000000000000' };

describe.skipIf(!servers)('MCP under the shipped policy', () => {
  let gw: TestGateway;
  let model: ToolCallingUpstream;
  const audited: AuditEvent[] = [];

  beforeAll(async () => {
    model = await startToolCallingUpstream('mcp__everything__echo', { message: 'hello' });
    gw = await startGateway(
      {
        auth: {
          keys: [
            { id: 'u1', hash: hashKey(keys.user), roles: ['user'] },
            { id: 'a1', hash: hashKey(keys.analyst), roles: ['analyst'] },
          ],
        },
        policy: {
          data: {
            roles: { analyst: { endpoints: ['chat'], model_groups: ['general'], mcp: { everything: ['echo', 'get-*'] } } },
            mcp: { argument_rules: [{ server: 'everything', tool: 'echo', argument: 'message', pattern: 'secret', reason: 'no secrets in echoes' }] },
          },
        },
        upstreams: [{ name: 'fake', type: 'openai', url: model.url, discover: false }],
        models: [{ name: 'fake', upstream: 'fake', capabilities: { tools: 'native' } }],
        mcp: { maxRounds: 1, servers: [{ name: 'everything', command: [process.execPath, servers!.everything, 'stdio'] }] },
      },
      { extend: extendRuntime({ logger: new MemoryLogger(), audit: (e) => audited.push(e) }) },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await model?.close();
  });

  const chat = (key: string) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fake', messages: [{ role: 'user', content: 'hello' }], tools: [{ type: 'mcp', server_label: 'everything' }] }),
    });

  it('refuses a server the role is not granted (the default user role) with 403, before any model call', async () => {
    const res = await chat(keys.user);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('policy_denied');
    expect(model.requests).toHaveLength(0);
  });

  it('offers only the granted tools and runs an allowed call', async () => {
    model.next = { tool: 'mcp__everything__echo', args: { message: 'hello' } };
    const res = await chat(keys.analyst);
    expect(res.status).toBe(200);
    const offered = (model.requests[0]!.tools as { function: { name: string } }[]).map((t) => t.function.name).sort();
    expect(offered).toEqual([
      'mcp__everything__echo',
      'mcp__everything__get-annotated-message',
      'mcp__everything__get-env',
      'mcp__everything__get-resource-links',
      'mcp__everything__get-resource-reference',
      'mcp__everything__get-structured-content',
      'mcp__everything__get-sum',
      'mcp__everything__get-tiny-image',
    ]);
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('The tool said: Echo: hello');
  });

  it('does not run a call an argument rule refuses, and tells the model', async () => {
    model.next = { tool: 'mcp__everything__echo', args: { message: 'my secret' } };
    const res = await chat(keys.analyst);
    const body = (await res.json()) as { choices: { message: { content: string } }[]; aegis_tool_calls: { status: string }[] };
    expect(body.aegis_tool_calls[0]!.status).toBe('denied');
    expect(body.choices[0]!.message.content).toContain('no secrets in echoes');
    const denial = audited.filter((e) => e.type === 'mcp.tool_call').at(-1)!;
    expect(denial).toMatchObject({ actor: 'a1', target: 'everything/echo', outcome: 'deny' });
    expect(denial.decisionId).toMatch(/[0-9a-f-]{36}/);
  });
});

// The MCP tool loop through the whole gateway, in process: a model that always calls the tool, an
// SDK MCP server over InMemoryTransport, the policy adapter over a scripted engine, the scheduler
// fake. What each round sends upstream is checked exactly.
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type ExchangeFinished } from '../../../src/core';
import { opaRequestPolicy } from '../../../src/gateway/policy-adapter';
import { UsageMeter } from '../../../src/gateway/usage-meter';
import { McpPool, mcpConfigSchema } from '../../../src/mcp';
import { FakePolicyEngine, type FakeAnswer, type PolicyInput } from '../../../src/policy';
import { inProcessApp } from '../../helpers/app';
import { FakeGate } from '../../helpers/fake-gate';
import { memoryMcp, type MemoryMcp } from '../../helpers/mcp-memory';
import { toolModel } from '../../helpers/tool-model';
import { until } from '../../helpers/wait';
import { ManualClock } from '../../../src/core';
import type { ToolSupport } from '../../../src/registry';
import { modelEntry } from './fixtures';

let pool: McpPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

interface Setup {
  tool?: string;
  args?: Record<string, unknown>;
  policy?: (input: PolicyInput) => FakeAnswer;
  mcp?: MemoryMcp;
  keepAliveMs?: number;
  config?: Record<string, unknown>;
  /** How the model takes tools: native by default, so what each round sends is the loop's alone. */
  tools?: ToolSupport;
}

function setup({ tool = 'mcp__mem__echo', args = { text: 'hi' }, policy, mcp = memoryMcp(), keepAliveMs = 5_000, config = {}, tools = 'native' }: Setup = {}) {
  pool = new McpPool({
    config: mcpConfigSchema.parse({ servers: [{ name: 'mem', command: ['unused'] }], maxRounds: 3, ...config }),
    connect: mcp.connect,
    clock: new ManualClock(0),
    logger: silentLogger,
  });
  const finished: ExchangeFinished[] = [];
  const gate = new FakeGate();
  const engine = new FakePolicyEngine(policy);
  const app = inProcessApp({
    models: [modelEntry({ capabilities: { chat: true, completion: true, embeddings: false, tools, vision: false } })],
    mcp: pool,
    scheduler: gate,
    options: { keepAliveMs },
    policy: policy ? (clock, audit) => opaRequestPolicy(engine, clock, new UsageMeter(clock), audit) : undefined,
    sinks: [{ exchangeFinished: (e) => void finished.push(e) }],
  });
  const model = toolModel(app.upstream, tool, args);
  const chat = (body: Record<string, unknown>, init: RequestInit = {}) =>
    app.app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'say hi through the tool' }], ...body }),
      ...init,
    });
  return { ...app, mcp, model, chat, finished, gate, engine };
}

const mcpTool = { type: 'mcp', server_label: 'mem' };

describe('MCP tool loop through the gateway', () => {
  it('sends exactly these messages each round to a model that always calls the tool', async () => {
    const s = setup();
    const res = await s.chat({ tools: [{ ...mcpTool, allowed_tools: ['echo'] }], tool_choice: 'required' });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { message: { role: string; content: string | null; tool_calls?: unknown }; finish_reason: string }[];
      usage: unknown;
      aegis_tool_calls: { server_label: string; name: string; status: string; output: string }[];
    };
    const echoDefinition = {
      type: 'function',
      function: { name: 'mcp__mem__echo', description: 'Echoes the text back', parameters: { type: 'object', properties: { text: { type: 'string' } } } },
    };
    const user = { role: 'user', content: 'say hi through the tool' };
    const assistant = (n: number) => ({
      role: 'assistant',
      content: '',
      tool_calls: [{ id: `call_${n}`, type: 'function', function: { name: 'mcp__mem__echo', arguments: '{"text":"hi"}' } }],
    });
    const result = (n: number) => ({ role: 'tool', tool_call_id: `call_${n}`, content: 'echo: hi' });
    expect(s.model.requests.map((r) => ({ messages: r.messages, tools: r.tools, tool_choice: r.tool_choice }))).toEqual([
      { messages: [user], tools: [echoDefinition], tool_choice: 'required' },
      { messages: [user, assistant(1), result(1)], tools: [echoDefinition], tool_choice: 'auto' },
      { messages: [user, assistant(1), result(1), assistant(2), result(2)], tools: [echoDefinition], tool_choice: 'auto' },
      // After maxRounds (3) the model is asked once more, without the MCP tools.
      { messages: [user, assistant(1), result(1), assistant(2), result(2), assistant(3), result(3)], tools: undefined, tool_choice: undefined },
    ]);
    expect(s.mcp.calls).toEqual([1, 2, 3].map(() => ({ tool: 'echo', args: { text: 'hi' } })));
    expect(body.choices[0]).toMatchObject({ message: { role: 'assistant', content: 'final answer after 3 calls' }, finish_reason: 'stop' });
    expect(body.choices[0].message.tool_calls).toBeUndefined();
    expect(body.usage).toMatchObject({ prompt_tokens: 40, completion_tokens: 20, total_tokens: 60 });
    expect(
      body.aegis_tool_calls.map((c: { server_label: string; name: string; status: string; output: string }) => [c.server_label, c.name, c.status, c.output]),
    ).toEqual([1, 2, 3].map(() => ['mem', 'echo', 'ok', 'echo: hi']));
    // One lease for every round, one record listing every call, one audit entry per call.
    expect(s.gate.leases).toHaveLength(1);
    expect(s.gate.leases[0]!.released).toBe(1);
    expect(s.finished).toHaveLength(1);
    expect(s.finished[0]).toMatchObject({ turns: 4, answer: 'final answer after 3 calls', toolCalls: [] });
    expect(s.finished[0]!.mcpCalls!.map((c) => [c.id, c.outcome])).toEqual([
      ['call_1', 'ok'],
      ['call_2', 'ok'],
      ['call_3', 'ok'],
    ]);
    const audits = s.audit.filter((a) => a.type === 'mcp.tool_call');
    expect(audits).toHaveLength(3);
    expect(audits[0]).toMatchObject({ target: 'mem/echo', outcome: 'ok', details: { server: 'mem', tool: 'echo', outcome: 'ok', round: 1 } });
    expect(audits[0]!.details!.argumentsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(audits)).not.toContain('"text":"hi"');
    const metrics = (await s.deps.metrics.exposition()).body;
    expect(metrics).toContain('aegis_mcp_tool_calls_total{server="mem",tool="echo",outcome="ok"} 3');
    expect(metrics).toMatch(/aegis_mcp_tool_call_duration_seconds_count\{server="mem",tool="echo"\} 3/);
  });

  it('streams the last answer after running the tools, with aegis_tool_calls on its final chunk', async () => {
    const s = setup({ config: { maxRounds: 1 } });
    const res = await s.chat({ stream: true, stream_options: { include_usage: true }, tools: [mcpTool] });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('final answer after 1 calls');
    expect(chunks.filter((c) => c.choices[0]?.delta?.tool_calls)).toEqual([]);
    const final = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(final.choices[0].finish_reason).toBe('stop');
    expect(final.aegis_tool_calls).toEqual([
      expect.objectContaining({ type: 'mcp_call', server_label: 'mem', name: 'echo', status: 'ok', output: 'echo: hi', round: 1 }),
    ]);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { total_tokens: 30 } });
    expect(s.model.requests.map((r) => r.stream)).toEqual([true, true]);
  });

  it('shows `: running mcp__…` comments on a stream while a tool runs', async () => {
    const s = setup({ tool: 'mcp__mem__hang', keepAliveMs: 20, config: { maxRounds: 1 } });
    const controller = new AbortController();
    const res = await s.chat({ stream: true, tools: [mcpTool] }, { signal: controller.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe(': running mcp__mem__hang\n\n');
    controller.abort();
    await reader.cancel();
    // The client left: the running call is cancelled on the server (notifications/cancelled).
    await until(() => s.mcp.cancelled === 1, 2_000, 'the MCP server to hear of the cancellation');
    await until(() => s.finished.length === 1, 2_000);
    expect(s.finished[0]!.status).toBe(499);
    expect(s.finished[0]!.mcpCalls!.map((c) => c.outcome)).toEqual(['cancelled']);
    expect(s.model.requests).toHaveLength(1);
  });

  it('cancels the running call when a non-streaming client disconnects', async () => {
    const s = setup({ tool: 'mcp__mem__hang' });
    const controller = new AbortController();
    const pending = s.chat({ tools: [mcpTool] }, { signal: controller.signal });
    await until(() => s.mcp.calls.length === 1, 2_000, 'the tool call to start');
    controller.abort();
    await Promise.resolve(pending).catch(() => undefined);
    await until(() => s.mcp.cancelled === 1, 2_000, 'the MCP server to hear of the cancellation');
    await until(() => s.finished.length === 1, 2_000);
    expect(s.finished[0]!.status).toBe(499);
  });

  it('refuses a server the policy does not grant with 403, before any model call', async () => {
    const s = setup({ policy: () => ({ obligations: { mcp: { servers: { other: ['*'] } } } }) });
    const res = await s.chat({ tools: [mcpTool] });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: unknown };
    expect(body.error).toMatchObject({ code: 'policy_denied', param: 'tools[0].server_label' });
    expect(s.model.requests).toEqual([]);
    expect(s.mcp.connects).toBe(0);
    expect(s.audit.find((a) => a.type === 'mcp.server')).toMatchObject({ target: 'mem', outcome: 'deny' });
  });

  it('offers only the tools the policy grants, and does not run a call its tool decision refuses', async () => {
    const s = setup({
      config: { maxRounds: 1 },
      policy: (input) =>
        input.tool_call
          ? { allow: false, reasons: ['argument "text" is refused: test rule'] }
          : { obligations: { mcp: { servers: { mem: ['echo', 'fail'] } } } },
    });
    const res = await s.chat({ tools: [mcpTool] });
    expect(res.status).toBe(200);
    expect((s.model.requests[0]!.tools as { function: { name: string } }[]).map((t) => t.function.name)).toEqual(['mcp__mem__echo', 'mcp__mem__fail']);
    expect(s.mcp.calls).toEqual([]);
    const told = (s.model.requests[1]!.messages as { role: string; content: string }[]).at(-1)!;
    expect(told).toEqual({
      role: 'tool',
      tool_call_id: 'call_1',
      content: 'Error: Aegis\' policy refused this call (argument "text" is refused: test rule); it was not run. Do not retry it.',
    });
    expect(s.audit.find((a) => a.type === 'mcp.tool_call')).toMatchObject({ outcome: 'deny', details: { outcome: 'denied' } });
    expect(s.engine.inputs.find((i) => i.tool_call)?.tool_call).toMatchObject({ server: 'mem', tool: 'echo', arguments: { text: 'hi' }, round: 1 });
  });

  it('refuses an unknown server (400) and client tools that squat the mcp__ prefix', async () => {
    const s = setup();
    const unknown = await s.chat({ tools: [{ type: 'mcp', server_label: 'nope' }] });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { param: string } }).error.param).toBe('tools[0].server_label');
    const squat = await s.chat({ tools: [mcpTool, { type: 'function', function: { name: 'mcp__mem__echo', parameters: { type: 'object' } } }] });
    expect(squat.status).toBe(400);
    expect(s.model.requests).toEqual([]);
  });

  it('answers without the tools of a server that is down, and tells the model', async () => {
    const mcp = memoryMcp();
    mcp.failNext.push('spawn ENOENT');
    const s = setup({ mcp });
    const res = await s.chat({ tools: [mcpTool] });
    expect(res.status).toBe(200);
    const sent = s.model.requests[0]!;
    expect(sent.tools).toBeUndefined();
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Note from the Aegis gateway: the tools of the MCP server "mem" are unavailable right now; answer without them.' },
      { role: 'user', content: 'say hi through the tool' },
    ]);
    expect(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('final answer after 0 calls');
  });

  it('caps an oversized tool result before the model sees it', async () => {
    const s = setup({ tool: 'mcp__mem__big', args: { chars: 100_000 }, config: { maxRounds: 1, resultMaxChars: 2_000 } });
    await s.chat({ tools: [mcpTool] });
    const result = (s.model.requests[1]!.messages as { role: string; content: string }[]).at(-1)!;
    expect(result.content.length).toBeLessThanOrEqual(2_000);
    expect(result.content).toContain('characters omitted by Aegis');
  });

  it('leaves requests without MCP alone', async () => {
    const s = setup();
    s.upstream.script = { kind: 'whole', content: 'plain' };
    const res = await s.chat({ tools: [{ type: 'function', function: { name: 'mine', parameters: { type: 'object' } } }] });
    expect(res.status).toBe(200);
    expect(s.mcp.connects).toBe(0);
    expect(((await res.json()) as { aegis_tool_calls?: unknown }).aegis_tool_calls).toBeUndefined();
  });
});

describe('a model without native tools (emulated, decoded under a schema)', () => {
  /**
   * A small model as Aegis drives it: the tools are in its prompt and its answer is JSON under the
   * call schema. It calls echo first and answers with what the tool said once the result is in
   * its prompt.
   */
  function emulatedModel(s: ReturnType<typeof setup>) {
    const seen: { messages: { role: string; content: unknown }[]; response_format?: unknown; tools?: unknown }[] = [];
    s.upstream.chat = async (request, ctx) => {
      seen.push(JSON.parse(JSON.stringify(request)));
      const prompt = JSON.stringify(request.messages);
      const answer = prompt.includes('echo: hi')
        ? JSON.stringify({ response: 'the tool said echo: hi' })
        : JSON.stringify({ tool_calls: [{ name: 'mcp__mem__echo', arguments: { text: 'hi' } }] });
      const model = ctx.model.upstreamModel;
      const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      if (!request.stream) {
        return {
          kind: 'json',
          body: {
            id: 'c',
            object: 'chat.completion',
            created: 1,
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: answer }, finish_reason: 'stop' }],
            usage,
          },
        };
      }
      const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model };
      const parts = [answer.slice(0, 7), answer.slice(7, 30), answer.slice(30)];
      return {
        kind: 'stream',
        chunks: (async function* () {
          for (const content of parts) yield { ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] };
          yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] };
          yield { ...base, choices: [], usage };
        })(),
      };
    };
    return seen;
  }

  it('runs the call it wrote as JSON and answers with the result (whole)', async () => {
    const s = setup({ tools: 'emulated' });
    const seen = emulatedModel(s);
    const res = await s.chat({ tools: [mcpTool] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      choices: { message: { content: string; tool_calls?: unknown }; finish_reason: string }[];
      aegis_tool_calls: unknown[];
    };
    expect(body.choices[0]).toMatchObject({ message: { content: 'the tool said echo: hi' }, finish_reason: 'stop' });
    expect(body.choices[0]!.message.tool_calls).toBeUndefined();
    expect(body.aegis_tool_calls).toEqual([expect.objectContaining({ server_label: 'mem', name: 'echo', status: 'ok', output: 'echo: hi' })]);
    expect(s.mcp.calls).toEqual([{ tool: 'echo', args: { text: 'hi' } }]);
    // Every round is rendered for the model: no native tools, a schema, the tool round as text.
    expect(seen).toHaveLength(2);
    for (const r of seen) {
      expect(r.tools).toBeUndefined();
      expect(r.response_format).toBeDefined();
    }
    expect(seen[1]!.messages.some((m) => m.role === 'tool')).toBe(false);
    expect(s.finished[0]).toMatchObject({ turns: 2, answer: 'the tool said echo: hi', tools: { mode: 'constrained', calls: 1 } });
  });

  it('runs the call it streamed as JSON and streams only the answer', async () => {
    const s = setup({ tools: 'emulated' });
    emulatedModel(s);
    const res = await s.chat({ stream: true, tools: [mcpTool] });
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.filter((e) => e.startsWith('data: {')).map((e) => JSON.parse(e.slice(6)));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('the tool said echo: hi');
    expect(chunks.filter((c) => c.choices[0]?.delta?.tool_calls)).toEqual([]);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.aegis_tool_calls).toEqual([expect.objectContaining({ name: 'echo', status: 'ok' })]);
    expect(s.mcp.calls).toHaveLength(1);
  });
});

describe("a mixed answer (MCP calls and the client's own)", () => {
  /** A model that calls the MCP tool and the client's `lookup` in one answer. */
  function mixedModel(s: ReturnType<typeof setup>) {
    s.upstream.chat = async (request) => {
      s.model.requests.push(JSON.parse(JSON.stringify(request)) as Record<string, unknown>);
      const calls = [
        { id: 'm1', type: 'function' as const, function: { name: 'mcp__mem__echo', arguments: '{"text":"x"}' } },
        { id: 'k1', type: 'function' as const, function: { name: 'lookup', arguments: '{"q":"y"}' } },
      ];
      if (!request.stream) {
        return {
          kind: 'json',
          body: {
            id: 'c',
            object: 'chat.completion',
            created: 1,
            model: 'm',
            choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: calls }, finish_reason: 'tool_calls' }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          },
        };
      }
      const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model: 'm' };
      return {
        kind: 'stream',
        chunks: (async function* () {
          yield { ...base, choices: [{ index: 0, delta: { role: 'assistant' as const, tool_calls: [{ index: 0, ...calls[0]! }] }, finish_reason: null }] };
          yield { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 1, ...calls[1]! }] }, finish_reason: null }] };
          yield { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] };
        })(),
      };
    };
  }
  const lookup = { type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } };

  it('runs the MCP call and returns only the client call (JSON)', async () => {
    const s = setup();
    mixedModel(s);
    const res = await s.chat({ tools: [mcpTool, lookup] });
    const body = (await res.json()) as {
      choices: { message: { tool_calls: { id: string }[] }; finish_reason: string }[];
      aegis_tool_calls: { id: string; status: string }[];
    };
    expect(s.mcp.calls).toEqual([{ tool: 'echo', args: { text: 'x' } }]);
    expect(s.model.requests).toHaveLength(1);
    expect(body.choices[0]!.message.tool_calls.map((c) => c.id)).toEqual(['k1']);
    expect(body.choices[0]!.finish_reason).toBe('tool_calls');
    expect(body.aegis_tool_calls).toEqual([expect.objectContaining({ id: 'm1', status: 'ok' })]);
    expect(s.finished[0]!.toolCalls.map((c) => c.id)).toEqual(['m1', 'k1']);
    expect(s.finished[0]!.mcpCalls!.map((c) => c.id)).toEqual(['m1']);
  });

  it('renumbers the client call in the stream it gets', async () => {
    const s = setup();
    mixedModel(s);
    const res = await s.chat({ stream: true, tools: [mcpTool, lookup] });
    const chunks = (await res.text())
      .split('\n\n')
      .filter((e) => e.startsWith('data: {'))
      .map(
        (e) =>
          JSON.parse(e.slice(6)) as {
            choices: { delta: { tool_calls?: { index: number; id?: string }[] }; finish_reason: string | null }[];
            aegis_tool_calls?: unknown[];
          },
      );
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([expect.objectContaining({ index: 0, id: 'k1' })]);
    const final = chunks.find((c) => c.choices[0]?.finish_reason)!;
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.aegis_tool_calls).toHaveLength(1);
  });
});

describe('default servers (defaultFor)', () => {
  const attached = { servers: [{ name: 'mem', command: ['unused'], defaultFor: { models: ['m'] } }], maxRounds: 1 };

  it('offers a default server to requests that do not name it', async () => {
    const s = setup({ config: attached });
    const res = await s.chat({});
    expect(res.status).toBe(200);
    expect((s.model.requests[0]!.tools as { function: { name: string } }[]).map((t) => t.function.name)).toContain('mcp__mem__echo');
    expect(s.mcp.calls).toEqual([{ tool: 'echo', args: { text: 'hi' } }]);
  });

  it('leaves a default server out silently when the policy does not grant it, or tool_choice is none', async () => {
    const s = setup({ config: attached, policy: () => ({ obligations: { mcp: { servers: {} } } }) });
    expect((await s.chat({})).status).toBe(200);
    expect(s.model.requests[0]!.tools).toBeUndefined();
    const t = setup({ config: attached });
    expect((await t.chat({ tool_choice: 'none' })).status).toBe(200);
    expect(t.mcp.connects).toBe(0);
  });
});

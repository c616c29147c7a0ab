import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core';
import { runToolLoop, type ToolCallRecord } from '../../../src/mcp';
import { call, hangingTool, harness, reply } from './fixtures';

/** Lets pending promise callbacks run (the loop awaits between steps). */
const settle = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('runToolLoop', () => {
  it('returns the first answer untouched when it calls no MCP tool', async () => {
    const h = harness();
    const first = reply([], 'plain answer');
    const result = await runToolLoop(first, h.ports, h.options);
    expect(result.reply).toBe(first);
    expect(result.calls).toEqual([]);
    expect(h.rounds).toEqual([]);
  });

  it('runs the call, appends the assistant call and the tool result, and asks the model again', async () => {
    const h = harness({ answers: [reply([], 'the echo said hi')] });
    const result = await runToolLoop(reply([call('mcp__srv__echo', { text: 'hi' }, 'c1')], 'let me check'), h.ports, h.options);
    expect(h.executed).toEqual([{ server: 'srv', tool: 'echo', arguments: { text: 'hi' }, round: 1 }]);
    expect(h.rounds).toEqual([
      {
        call: 2,
        withoutTools: false,
        messages: [
          { role: 'assistant', content: 'let me check', tool_calls: [call('mcp__srv__echo', { text: 'hi' }, 'c1')] },
          { role: 'tool', tool_call_id: 'c1', content: 'echo {"text":"hi"}' },
        ],
      },
    ]);
    expect(result.reply.content).toBe('the echo said hi');
    expect(result.calls.map((c) => [c.name, c.outcome, c.decisionId])).toEqual([['mcp__srv__echo', 'ok', 'd-allow']]);
    expect(h.progress).toContain('running mcp__srv__echo');
  });

  it('does not execute a call the policy refuses and tells the model why', async () => {
    const h = harness({ deny: (c) => (c.tool === 'echo' ? ['MCP tool "srv/echo" is not allowed for roles user'] : undefined) });
    const result = await runToolLoop(reply([call('mcp__srv__echo', { text: 'x' })]), h.ports, h.options);
    expect(h.executed).toEqual([]);
    const told = h.rounds[0]!.messages.at(-1)!;
    expect(told.role).toBe('tool');
    expect(told.content).toContain('policy refused this call (MCP tool "srv/echo" is not allowed for roles user)');
    expect(result.calls[0]).toMatchObject({ outcome: 'denied', reasons: ['MCP tool "srv/echo" is not allowed for roles user'], decisionId: 'd-deny' });
  });

  it('stops a model that keeps calling: maxRounds rounds, then one answer without MCP tools', async () => {
    const always = reply([call('mcp__srv__echo', { text: 'again' })]);
    const h = harness({ maxRounds: 3, answers: [always] });
    const result = await runToolLoop(always, h.ports, h.options);
    expect(h.executed).toHaveLength(3);
    expect(h.rounds.map((r) => [r.call, r.withoutTools])).toEqual([
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(result.stopped).toBe('max_rounds');
    expect(result.calls.map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'not_run']);
    expect(result.hidden.has('id-mcp__srv__echo')).toBe(true);
  });

  it('times a hanging tool out on the clock, cancels it and tells the model', async () => {
    const h = harness({ tool: hangingTool, callTimeoutMs: 2_000 });
    const running = runToolLoop(reply([call('mcp__srv__hang')]), h.ports, h.options);
    await settle();
    expect(h.executed).toHaveLength(1);
    h.clock.advance(1_999);
    await settle();
    expect(h.rounds).toHaveLength(0);
    h.clock.advance(1);
    const result = await running;
    expect(h.signals[0]!.aborted).toBe(true);
    expect(result.calls[0]).toMatchObject({ outcome: 'timeout', durationMs: 2_000 });
    expect(h.rounds[0]!.messages.at(-1)!.content).toBe('Error: the tool did not answer within 2 s; the call was cancelled.');
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('restarts the timeout on progress, up to the total limit', async () => {
    let progress: (() => void) | undefined;
    const h = harness({ callTimeoutMs: 1_000 });
    h.ports.executeTool = (_c, options) => {
      progress = () => options.onProgress?.({ progress: 1 });
      return hangingTool(_c, options.signal);
    };
    const running = runToolLoop(reply([call('mcp__srv__hang')]), h.ports, h.options);
    await settle();
    for (let i = 0; i < 5; i++) {
      h.clock.advance(900);
      progress!();
    }
    await settle();
    expect(h.rounds).toHaveLength(0);
    h.clock.advance(1_000);
    expect((await running).calls[0]).toMatchObject({ outcome: 'timeout', durationMs: 5_500 });
  });

  it('cancels the running call when the client goes away, and stops', async () => {
    const records: ToolCallRecord[] = [];
    const h = harness({ tool: hangingTool });
    const running = runToolLoop(reply([call('mcp__srv__hang')]), h.ports, { ...h.options, onCall: (r) => records.push(r) });
    await settle();
    const gone = new GatewayError('client_closed_request', 'Client closed the request.');
    h.signal.abort(gone);
    await expect(running).rejects.toBe(gone);
    expect(h.signals[0]!.aborted).toBe(true);
    expect(h.rounds).toHaveLength(0);
    expect(records.map((r) => r.outcome)).toEqual(['cancelled']);
  });

  it('caps oversized tool output, keeping head and tail', async () => {
    const big = `HEAD${'x'.repeat(50_000)}TAIL`;
    const h = harness({ resultMaxChars: 1_000, tool: async () => ({ content: [{ type: 'text', text: big }] }) });
    const result = await runToolLoop(reply([call('mcp__srv__echo')]), h.ports, h.options);
    const sent = String(h.rounds[0]!.messages.at(-1)!.content);
    expect(sent.length).toBeLessThanOrEqual(1_000);
    expect(sent.startsWith('HEAD')).toBe(true);
    expect(sent.endsWith('TAIL')).toBe(true);
    expect(sent).toMatch(/\[… \d+ characters omitted by Aegis …\]/);
    expect(result.calls[0]!.fullLength).toBe(big.length);
  });

  it("runs the MCP calls of a mixed answer and hands the client's own calls back", async () => {
    const h = harness();
    const first = reply([call('mcp__srv__echo', { text: 'a' }, 'm1'), call('client_fn', {}, 'k1')]);
    const result = await runToolLoop(first, h.ports, h.options);
    expect(h.executed).toHaveLength(1);
    expect(h.rounds).toHaveLength(0);
    expect(result.reply).toBe(first);
    expect([...result.hidden]).toEqual(['m1']);
  });

  it('tells the model about unknown tools and unparseable arguments without running anything', async () => {
    const h = harness();
    const result = await runToolLoop(reply([call('mcp__srv__nope', {}, 'u1'), call('mcp__srv__echo', '{"text": ', 'b1')]), h.ports, h.options);
    expect(h.executed).toEqual([]);
    expect(result.calls.map((c) => c.outcome)).toEqual(['unknown_tool', 'invalid_arguments']);
    expect(h.rounds[0]!.messages.slice(1).map((m) => m.content)).toEqual([
      'Error: there is no tool named "mcp__srv__nope" in this conversation.',
      'Error: the arguments are not valid JSON (incomplete object); call the tool again with a JSON object.',
    ]);
  });

  it('repairs near-JSON arguments and gives calls without ids an id of their own', async () => {
    const h = harness();
    const sloppy = call('mcp__srv__echo', "{text: 'hi',}", '');
    await runToolLoop(reply([sloppy]), h.ports, h.options);
    expect(h.executed[0]!.arguments).toEqual({ text: 'hi' });
    expect(sloppy.id).toBe('call_mcp_1_0');
    expect(h.rounds[0]!.messages[1]).toMatchObject({ role: 'tool', tool_call_id: 'call_mcp_1_0' });
  });

  it('reports a failing server as a tool error the model reads', async () => {
    const h = harness({ tool: () => Promise.reject(new Error('MCP server "srv" is unavailable: spawn ENOENT')) });
    const result = await runToolLoop(reply([call('mcp__srv__echo')]), h.ports, h.options);
    expect(result.calls[0]!.outcome).toBe('error');
    expect(h.rounds[0]!.messages[1]!.content).toBe('Error: the tool could not be called: MCP server "srv" is unavailable: spawn ENOENT');
  });
});

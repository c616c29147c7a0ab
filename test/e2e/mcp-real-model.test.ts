// A real small model (SmolLM2-135M on llama-cpp-python, from the test world) calls an MCP tool
// that Aegis runs on the reference server-everything. The tool choice is forced: llama-cpp-python
// then constrains decoding to the tool's JSON schema, so even a 135M model produces a valid call
// every time; what is tested is the plumbing, not the model's judgement. Twice: with the
// runtime's own tool calling, and with Aegis' emulation (the tools in the prompt, the call decoded
// under Aegis' call schema and parsed back), as for a model whose template has no tools. What the
// second model call was sent is read at a pass-through in front of the runtime: whether a 135M
// model then repeats the sum differs between CPUs (greedy decoding follows the SIMD kernels' sums).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extendRuntime } from '../../src/cli/wiring';
import { MemoryLogger } from '../../src/core';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';
import { world } from '../world/use-world';

const [servers, llamacpp] = await Promise.all([world('mcpservers'), world('llamacpp')]);

interface ChatBody {
  choices: { message: { content: string | null; tool_calls?: unknown }; finish_reason: string }[];
  aegis_tool_calls: { name: string; status: string; output: string; arguments: string }[];
  usage: { total_tokens: number };
}

describe.skipIf(!servers || !llamacpp).each(['native', 'emulated'] as const)('a real local model calling an MCP tool (%s tools)', (tools) => {
  let gw: TestGateway;
  let runtime: RecordingProxy;

  beforeAll(async () => {
    runtime = await startRecordingProxy(llamacpp!.url);
    gw = await startGateway(
      {
        upstreams: [{ name: 'llamacpp', type: 'openai', url: runtime.url, discover: false }],
        models: [{ name: 'smol', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', contextLength: 2048, capabilities: { tools } }],
        mcp: { maxRounds: 1, servers: [{ name: 'everything', command: [process.execPath, servers!.everything, 'stdio'] }] },
      },
      { extend: extendRuntime({ logger: new MemoryLogger() }) },
    );
  });

  afterAll(async () => {
    await gw?.close();
    await runtime?.close();
  });

  it('makes the call, Aegis runs it, and calls the model again with the result', async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${testKey}` },
      body: JSON.stringify({
        model: 'smol',
        temperature: 0,
        seed: 1,
        max_tokens: 48,
        messages: [
          { role: 'system', content: 'You add numbers with the get-sum tool, then repeat its answer word for word.' },
          { role: 'user', content: 'What is 2 plus 3?' },
        ],
        tools: [{ type: 'mcp', server_label: 'everything', allowed_tools: ['get-sum'] }],
        tool_choice: { type: 'function', function: { name: 'mcp__everything__get-sum' } },
      }),
    });
    const text = await res.text();
    expect(res.status, text).toBe(200);
    const body = JSON.parse(text) as ChatBody;
    const [call] = body.aegis_tool_calls;
    // Whatever numbers the model chose, they were valid arguments and the real server added them.
    expect(call).toMatchObject({ name: 'get-sum', status: 'ok' });
    const args = JSON.parse(call!.arguments) as { a: number; b: number };
    expect(call!.output).toBe(`The sum of ${args.a} and ${args.b} is ${args.a + args.b}.`);
    // Two model calls under one request; the second carried the server's result to the model
    // (a tool message natively, the rewritten history when emulated), and its answer is the reply.
    const calls = runtime.generations();
    expect(calls).toHaveLength(2);
    expect(JSON.stringify(calls[0]!.messages)).not.toContain(call!.output);
    expect(JSON.stringify(calls[1]!.messages)).toContain(call!.output);
    expect(body.choices[0]!.message.content?.length).toBeGreaterThan(0);
    expect(body.choices[0]!.message.tool_calls).toBeUndefined();
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    process.stderr.write(
      `\n[mcp-real-model ${tools}] call ${call!.arguments} → ${call!.output}\n[mcp-real-model ${tools}] answer: ${JSON.stringify(body.choices[0]!.message.content)}\n`,
    );
  });
});

// Tool calls end to end with the official openai clients (npm, and Python from the test world's
// pinned venv) on the real runtimes of the test world: SmolLM2-135M and Gemma 3 270M through Ollama
// (native API) and through llama-cpp-python (Aegis' managed runner). Neither model's template has a tool section, so Ollama reports no `tools`
// capability for either and Aegis emulates; a copy of SmolLM2 given a Hermes tool template shows
// that a model Ollama says supports tools goes native. Ollama's CPU build here decodes slowly
// (more so under a grammar), so its tests keep answers short and have long timeouts.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExchangeFinished } from '../../src/core';
import { reportOf, runClient } from '../helpers/agent-world';
import { startGateway, testKey, type TestGateway } from '../helpers/gateway';
import { world } from '../world/use-world';

const [ollama, llamacpp, models, agentspy] = await Promise.all([world('ollama'), world('llamacpp'), world('models'), world('agentspy')]);
const available = Boolean(ollama && llamacpp && models);
const pythonClient = join(dirname(fileURLToPath(import.meta.url)), 'clients', 'openai_tool_calls.py');

const tools: OpenAI.ChatCompletionFunctionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    },
  },
  {
    type: 'function',
    function: {
      name: 'get_time',
      description: 'Get the current time in a timezone',
      parameters: { type: 'object', properties: { timezone: { type: 'string' } }, required: ['timezone'] },
    },
  },
];
const ajv = new Ajv();
const validators = new Map(tools.map((t) => [t.function.name, ajv.compile(t.function.parameters ?? {})]));

/** A call a client can run: a declared tool, arguments that are JSON and match its schema. */
function expectWellFormed(call: { id: string; type?: string; function: { name: string; arguments: string } }): void {
  expect(call.id).toMatch(/^call_/);
  if (call.type !== undefined) expect(call.type).toBe('function');
  const validate = validators.get(call.function.name);
  expect(validate, `declared tool: ${call.function.name}`).toBeDefined();
  const args: unknown = JSON.parse(call.function.arguments);
  expect(validate!(args), JSON.stringify(validate!.errors)).toBe(true);
}

/** The function calls of an answer (the SDK's type also admits custom tools, which Aegis never returns). */
function functionCalls(message: OpenAI.ChatCompletionMessage): Call[] {
  return (message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
}

const ask: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];
const followUp: OpenAI.ChatCompletionMessageParam[] = [
  ...ask,
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
  { role: 'tool', tool_call_id: 'call_1', content: '{"temperature_c": 21, "sky": "sunny"}' },
];

/** What a client assembles from a stream of chunks. */
async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>) {
  let content = '';
  const calls: { id: string; type?: string; function: { name: string; arguments: string } }[] = [];
  let finish: string | null = null;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    content += choice.delta.content ?? '';
    for (const d of choice.delta.tool_calls ?? []) {
      const call = (calls[d.index] ??= { id: '', function: { name: '', arguments: '' } });
      if (d.id) call.id = d.id;
      if (d.type) call.type = d.type;
      call.function.name += d.function?.name ?? '';
      call.function.arguments += d.function?.arguments ?? '';
    }
    finish = choice.finish_reason ?? finish;
  }
  return { content, calls, finish };
}

type Call = { id: string; type?: string; function: { name: string; arguments: string } };

/** What the Python client parsed (clients/openai_tool_calls.py); `followUp` is null when it made no call. */
interface PythonReport {
  whole: { finish: string; calls: Call[] };
  stream: { finish: string; calls: Call[] };
  followUp: { finish: string; text: string | null; calls: Call[] } | null;
}

/** A copy of SmolLM2 with a tool template, named for this run. */
const nativeModel = `aegis-smol-tools-${process.pid}`;

// Ollama renders `.Tools` with this template, so it reports the `tools` capability for the model.
const hermesTemplate = `{{- if .Tools }}<|im_start|>system
You can call functions. Tools:
<tools>
{{- range .Tools }}
{{ .Function }}
{{- end }}
</tools>
To call one, reply with <tool_call>{"name": <name>, "arguments": <args>}</tool_call><|im_end|>
{{ end }}
{{- range .Messages }}<|im_start|>{{ .Role }}
{{- if .ToolCalls }}
{{- range .ToolCalls }}<tool_call>{"name": "{{ .Function.Name }}", "arguments": {{ .Function.Arguments }}}</tool_call>{{ end }}
{{- else }}
{{ .Content }}
{{- end }}<|im_end|>
{{ end }}<|im_start|>assistant
`;

const runtimes = [
  { model: 'smol-ollama', label: 'SmolLM2-135M through Ollama', slow: true },
  { model: 'gemma-ollama', label: 'Gemma 3 270M through Ollama', slow: true },
  { model: 'smol-llamacpp', label: 'SmolLM2-135M through llama-cpp-python', slow: false },
  { model: 'gemma-llamacpp', label: 'Gemma 3 270M through llama-cpp-python', slow: false },
];

describe.skipIf(!available)('tool calls end to end (openai npm client)', () => {
  let gw: TestGateway;
  let client: OpenAI;
  const finished: ExchangeFinished[] = [];
  const lastExchange = (model: string) => finished.filter((e) => e.model === model).at(-1);

  beforeAll(async () => {
    const managed = (extra: string[]) => ({
      command: [
        llamacpp!.python,
        '-m',
        'llama_cpp.server',
        '--model',
        '${MODEL_PATH}',
        '--model_alias',
        '${MODEL}',
        '--host',
        '127.0.0.1',
        '--port',
        '${PORT}',
        '--n_ctx',
        '${CONTEXT}',
        ...extra,
      ],
    });
    gw = await startGateway(
      {
        upstreams: [
          { name: 'ollama', type: 'ollama', url: ollama!.url, discover: true },
          { name: 'llamacpp', type: 'managed', managed: managed([]) },
          // The Gemma GGUF carries no chat template; llama-cpp-python has Gemma's built in.
          { name: 'llamacpp-gemma', type: 'managed', managed: managed(['--chat_format', 'gemma']) },
        ],
        // capabilities.tools is left unset everywhere: detection decides.
        models: [
          { name: 'smol-ollama', upstream: 'ollama', upstreamModel: 'smollm2:135m', contextLength: 2048 },
          { name: 'gemma-ollama', upstream: 'ollama', upstreamModel: 'gemma3:270m', contextLength: 2048 },
          { name: 'smol-native', upstream: 'ollama', upstreamModel: `${nativeModel}:latest`, contextLength: 2048 },
          { name: 'smol-llamacpp', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', path: models!['smollm2-135m']!.path, contextLength: 2048 },
          { name: 'gemma-llamacpp', upstream: 'llamacpp-gemma', upstreamModel: 'gemma3-270m', path: models!['gemma3-270m']!.path, contextLength: 2048 },
        ],
      },
      { extend: () => ({ sinks: [{ exchangeFinished: (e) => finished.push(e) }] }) },
    );
    client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: testKey, maxRetries: 0, timeout: 600_000 });
  });

  afterAll(async () => {
    await gw?.close();
    await fetch(`${ollama?.url}/api/delete`, { method: 'DELETE', body: JSON.stringify({ model: nativeModel }) }).catch(() => {});
  });

  const show = async (model: string) =>
    ((await (await fetch(`${ollama!.url}/api/show`, { method: 'POST', body: JSON.stringify({ model }) })).json()) as { capabilities: string[] }).capabilities;

  it('detects that Ollama serves neither test model with native tools', async () => {
    expect(await show('smollm2:135m')).not.toContain('tools');
    expect(await show('gemma3:270m')).not.toContain('tools');
    const catalog = gw.runtime.snapshot.catalog;
    expect(catalog.resolve('smol-ollama')!.capabilities.tools).toBe('emulated');
    expect(catalog.resolve('gemma-ollama')!.capabilities.tools).toBe('emulated');
    // Neither GGUF's chat template renders tools either.
    expect(catalog.resolve('smol-llamacpp')!.capabilities.tools).toBe('emulated');
    expect(catalog.resolve('gemma-llamacpp')!.capabilities.tools).toBe('emulated');
  });

  for (const { model, label, slow } of runtimes) {
    describe(label, () => {
      const timeout = slow ? 600_000 : 120_000;
      const maxTokens = slow ? 60 : 100;
      // One call per answer on Ollama keeps its slow decoding short; llama-cpp-python may make several.
      const parallel = slow ? { parallel_tool_calls: false } : {};

      it(
        'returns well-formed tool_calls',
        async () => {
          const res = await client.chat.completions.create({
            model,
            messages: ask,
            tools,
            tool_choice: 'required',
            temperature: 0,
            max_tokens: maxTokens,
            ...parallel,
          });
          const choice = res.choices[0]!;
          expect(choice.finish_reason).toBe('tool_calls');
          expect(choice.message.tool_calls?.length).toBeGreaterThan(0);
          for (const call of functionCalls(choice.message)) expectWellFormed(call);
          expect(lastExchange(model)!.tools).toMatchObject({ mode: 'constrained', parseFailures: 0 });
          expect(lastExchange(model)!.toolCalls.length).toBe(choice.message.tool_calls!.length);
        },
        timeout,
      );

      it(
        'streams well-formed tool_calls',
        async () => {
          const stream = await client.chat.completions.create({
            model,
            messages: ask,
            tools,
            tool_choice: 'required',
            temperature: 0,
            max_tokens: maxTokens,
            stream: true,
            ...parallel,
          });
          const got = await collect(stream);
          expect(got.finish).toBe('tool_calls');
          expect(got.calls.length).toBeGreaterThan(0);
          for (const call of got.calls) expectWellFormed(call);
        },
        timeout,
      );

      it(
        'completes a follow-up that carries the tool result',
        async () => {
          const res = await client.chat.completions.create({ model, messages: followUp, tools, temperature: 0, max_tokens: maxTokens, ...parallel });
          const choice = res.choices[0]!;
          expect(['stop', 'length', 'tool_calls']).toContain(choice.finish_reason);
          if (choice.finish_reason === 'tool_calls') for (const call of functionCalls(choice.message)) expectWellFormed(call);
          else expect(typeof choice.message.content).toBe('string');
          // The record keeps the client's conversation (tool roles and calls), not the emulation text.
          expect(lastExchange(model)!.messages!.map((m) => m.role)).toEqual(['user', 'assistant', 'tool']);
        },
        timeout,
      );

      it.skipIf(!agentspy)(
        'serves the openai Python client: tool_calls whole and streamed, then the follow-up',
        async () => {
          const env = {
            PATH: process.env.PATH,
            BASE_URL: `${gw.url}/v1`,
            API_KEY: testKey,
            MODEL: model,
            TOOLS: JSON.stringify(tools),
            MAX_TOKENS: String(maxTokens),
            ...(slow ? { PARALLEL_TOOL_CALLS: 'false' } : {}),
          };
          const run = await runClient(agentspy!.python, [pythonClient], { env, timeoutMs: timeout - 10_000 });
          expect(run.code, run.stderr).toBe(0);
          const got = reportOf(run) as PythonReport;
          for (const r of [got.whole, got.stream]) {
            expect(r.finish).toBe('tool_calls');
            expect(r.calls.length).toBeGreaterThan(0);
            for (const call of r.calls) expectWellFormed(call);
          }
          const followUp = got.followUp!;
          expect(['stop', 'length', 'tool_calls']).toContain(followUp.finish);
          if (followUp.finish === 'tool_calls') {
            expect(followUp.calls.length).toBeGreaterThan(0);
            for (const call of followUp.calls) expectWellFormed(call);
          } else expect(typeof followUp.text).toBe('string');
          const roles = ['user', 'assistant', ...got.whole.calls.map(() => 'tool')];
          expect(lastExchange(model)!.messages!.map((m) => m.role)).toEqual(roles);
        },
        timeout,
      );
    });
  }

  it('sends tools natively to a model Ollama says supports them', async () => {
    // Made here, under a name of this run's own: the models folder is shared with other test worlds.
    const create = await fetch(`${ollama!.url}/api/create`, {
      method: 'POST',
      body: JSON.stringify({ model: nativeModel, from: 'smollm2:135m', template: hermesTemplate, stream: false }),
    });
    expect(create.status).toBe(200);
    expect(await show(nativeModel)).toContain('tools');
    await gw.runtime.refresh();
    expect(gw.runtime.snapshot.catalog.resolve('smol-native')!.capabilities.tools).toBe('native');
    const res = await client.chat.completions.create({ model: 'smol-native', messages: ask, tools, temperature: 0, max_tokens: 40 });
    const choice = res.choices[0]!;
    expect(lastExchange('smol-native')!.tools!.mode).toBe('native');
    // Whatever the 135M model makes of it, what comes back is well-formed.
    if (choice.message.tool_calls?.length) {
      expect(choice.finish_reason).toBe('tool_calls');
      for (const call of functionCalls(choice.message)) expectWellFormed(call);
    } else expect(typeof choice.message.content).toBe('string');
  }, 600_000);

  it('counts the calls by mode in /metrics', async () => {
    const scrape = async () => {
      const text = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${testKey}` } })).text();
      return Number(/aegis_tool_calls_total\{model="smol-llamacpp",mode="constrained"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await scrape();
    const res = await client.chat.completions.create({
      model: 'smol-llamacpp',
      messages: ask,
      tools,
      tool_choice: 'required',
      temperature: 0,
      max_tokens: 100,
    });
    expect(await scrape()).toBe(before + functionCalls(res.choices[0]!.message).length);
  }, 120_000);
});

// `npm run bench:tools`: tool-calling accuracy of emulated tools on the test world's small models,
// free (unconstrained) decoding against constrained decoding, and what reading calls costs per
// streamed chunk. 50 prompts that each need one of 3 tools, tool_choice auto, temperature 0;
// a valid call is one the client can run: a declared tool, JSON arguments that match its schema
// (checked here with Ajv, not taken from the gateway). Writes bench/results/tools-<date>-<sha>.md.
//
//   npm run bench:tools                      # both models on llama-cpp-python, 50 prompts each
//   npm run bench:tools -- --quick           # 10 prompts
//   npm run bench:tools -- --runtime ollama  # through the test world's Ollama (slow CPU build)
//   npm run bench:tools -- --parse-only      # only the per-chunk parsing cost
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Ajv } from 'ajv';
import OpenAI from 'openai';
import { GatewayRuntime } from '../src/cli/runtime';
import { parseConfig } from '../src/config';
import { MemoryLogger, type ExchangeFinished } from '../src/core';
import { INVALID_TOOL_CALL } from '../src/tools';
import { paths, testModels } from '../test/world/manifest';
import { measureParseCost } from './tools/parse-cost';
import { benchPrompts, benchTools } from './tools/prompts';

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runtime: { type: 'string', default: 'llamacpp' },
    'ollama-url': { type: 'string' },
    'parse-only': { type: 'boolean', default: false },
    choice: { type: 'string', default: 'auto' },
    'max-tokens': { type: 'string', default: '80' },
    /** Comma-separated variant names; `retry` adds free decoding with the constrained retry. */
    variants: { type: 'string', default: 'constrained,unconstrained' },
    models: { type: 'string', default: 'smollm2-135m,gemma3-270m' },
    /** A label for the results file, to keep runs of one commit apart. */
    label: { type: 'string', default: '' },
  },
});

const repo = (p: string) => fileURLToPath(new URL(`../${p}`, import.meta.url));
const prompts = opts.quick ? benchPrompts.filter((_, i) => i % 5 === 0) : benchPrompts;
const allVariants = [
  { key: 'unconstrained', name: 'unconstrained', tools: { decoding: 'lenient', retry: false } },
  { key: 'retry', name: 'unconstrained + retry', tools: { decoding: 'lenient', retry: true } },
  { key: 'constrained', name: 'constrained', tools: { decoding: 'constrained' } },
] as const;
const variants = opts.variants.split(',').flatMap((key) => allVariants.filter((v) => v.key === key));

const ajv = new Ajv();
const validators = new Map(benchTools.map((t) => [t.function.name, ajv.compile(t.function.parameters ?? {})]));

interface Row {
  model: string;
  variant: string;
  prompts: number;
  valid: number;
  rightTool: number;
  invalidShown: number;
  extraCalls: number;
  retries: number;
  medianMs: number;
}

function gatewayConfig(tools: Record<string, unknown>): Record<string, unknown> {
  const managed = (extra: string[]) => ({
    command: [
      paths.python,
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
  const models = Object.fromEntries(testModels.map((m) => [m.id, m]));
  const ollama = opts.runtime === 'ollama';
  return {
    policy: { enabled: false },
    rag: { enabled: false },
    scheduler: { enabled: false },
    tools,
    upstreams: ollama
      ? [{ name: 'ollama', type: 'ollama', url: opts['ollama-url'] ?? 'http://127.0.0.1:11434', discover: false }]
      : [
          { name: 'llamacpp', type: 'managed', managed: managed([]) },
          // The Gemma GGUF has no chat template; llama-cpp-python has Gemma's built in.
          { name: 'llamacpp-gemma', type: 'managed', managed: managed(['--chat_format', 'gemma']) },
        ],
    models: ollama
      ? [
          {
            name: 'smollm2-135m',
            upstream: 'ollama',
            upstreamModel: models['smollm2-135m']!.ollamaName,
            contextLength: 2048,
            capabilities: { tools: 'emulated' },
          },
          {
            name: 'gemma3-270m',
            upstream: 'ollama',
            upstreamModel: models['gemma3-270m']!.ollamaName,
            contextLength: 2048,
            capabilities: { tools: 'emulated' },
          },
        ]
      : [
          { name: 'smollm2-135m', upstream: 'llamacpp', upstreamModel: 'smollm2-135m', path: paths.model('smollm2-135m'), contextLength: 2048 },
          { name: 'gemma3-270m', upstream: 'llamacpp-gemma', upstreamModel: 'gemma3-270m', path: paths.model('gemma3-270m'), contextLength: 2048 },
        ],
  };
}

async function runVariant(variant: (typeof allVariants)[number], onRow: (row: Row) => void): Promise<Row[]> {
  const finished: ExchangeFinished[] = [];
  const rt = await GatewayRuntime.create(parseConfig(JSON.stringify(gatewayConfig(variant.tools)), process.env, 'bench:tools'), {
    logger: new MemoryLogger(),
    extend: () => ({ sinks: [{ exchangeFinished: (e) => finished.push(e) }] }),
  });
  const { url } = await rt.listen('127.0.0.1', 0);
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'bench', maxRetries: 0, timeout: 600_000 });
  const rows: Row[] = [];
  try {
    for (const model of opts.models.split(',')) {
      const row: Row = { model, variant: variant.name, prompts: 0, valid: 0, rightTool: 0, invalidShown: 0, extraCalls: 0, retries: 0, medianMs: 0 };
      const times: number[] = [];
      for (const [content, expected] of prompts) {
        const t0 = performance.now();
        const res = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content }],
          tools: benchTools,
          tool_choice: opts.choice === 'required' ? 'required' : 'auto',
          temperature: 0,
          max_tokens: Number(opts['max-tokens']),
        });
        times.push(performance.now() - t0);
        const choice = res.choices[0]!;
        const calls = (choice.message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
        const valid = calls.length > 0 && calls.every((c) => validators.get(c.function.name)?.(safeJson(c.function.arguments)) === true);
        row.prompts++;
        if (valid) row.valid++;
        if (valid && calls[0]!.function.name === expected) row.rightTool++;
        if (calls.length > 1) row.extraCalls++;
        if (String(choice.finish_reason) === INVALID_TOOL_CALL) row.invalidShown++;
        if (finished.at(-1)?.tools?.retry) row.retries++;
        process.stdout.write(valid ? '.' : 'x');
      }
      times.sort((a, b) => a - b);
      row.medianMs = times[Math.floor(times.length / 2)] ?? 0;
      process.stdout.write(` ${model} ${variant.name}: ${row.valid}/${row.prompts} valid, ${row.rightTool} right tool\n`);
      rows.push(row);
      onRow(row);
    }
  } finally {
    await rt.close(2_000);
  }
  return rows;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(0)} %` : '–');

function sha(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'nogit';
  }
}

async function main(): Promise<void> {
  const lines: string[] = [];
  const date = new Date().toISOString().slice(0, 10);
  lines.push(`# Tool calls: accuracy and parsing cost (${date}, ${sha()}${opts.quick ? ', quick' : ''})`, '');
  lines.push(
    `Machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} at the start.`,
    '',
  );
  const cost = measureParseCost();
  lines.push('## Parsing cost per streamed chunk (in process, best of 7 batches)', '', '| answer | chunks | µs per chunk |', '| --- | ---: | ---: |');
  for (const c of cost) lines.push(`| ${c.answer} | ${c.chunks} | ${c.usPerChunk.toFixed(2)} |`);
  lines.push('', 'Target: ≤ 50 µs per chunk. Requests without tools never build a tool stream.', '');
  for (const c of cost) process.stdout.write(`parse ${c.answer}: ${c.usPerChunk.toFixed(2)} µs/chunk\n`);
  const dir = repo('bench/results');
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/tools-${date}-${sha()}${opts.quick ? '-quick' : ''}${opts['parse-only'] ? '-parse' : ''}${opts.label ? `-${opts.label}` : ''}.md`;
  if (!opts['parse-only']) {
    // Written again after every model and variant: a run cut short still leaves its figures.
    const rows: Row[] = [];
    const head = lines.length;
    const write = () => writeFileSync(file, `${[...lines.slice(0, head), ...accuracy(rows)].join('\n')}\n`);
    for (const v of variants)
      await runVariant(v, (row) => {
        rows.push(row);
        write();
      });
    lines.push(...accuracy(rows));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
  process.stdout.write(`\nwrote ${file}\n`);
}

function accuracy(rows: readonly Row[]): string[] {
  const lines: string[] = [];
  lines.push(
    `## Accuracy: ${prompts.length} prompts, tool_choice ${opts.choice}, runtime ${opts.runtime === 'ollama' ? 'Ollama' : 'llama-cpp-python (managed)'}`,
    '',
    '| model | decoding | valid calls | right tool | answers with >1 call | shown as invalid | retries | median latency |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows) {
    lines.push(
      `| ${r.model} | ${r.variant} | ${pct(r.valid, r.prompts)} (${r.valid}/${r.prompts}) | ${pct(r.rightTool, r.prompts)} | ${r.extraCalls} | ${r.invalidShown} | ${r.retries} | ${(r.medianMs / 1000).toFixed(1)} s |`,
    );
  }
  lines.push('', 'Target with constrained decoding: ≥ 95 % valid calls.', '');
  return lines;
}

await main();

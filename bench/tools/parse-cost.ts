// What reading tool calls costs per streamed chunk: the same recorded answers pushed through the
// tool stream (emulated text and constrained JSON) and, for the baseline, counted as the no-tools
// path would. In process, µs per chunk; the target is at most 50 µs (issue 20).
import { chatRequestSchema, type ChatChunk } from '../../src/core';
import { ToolSession, planTools, defaultToolsConfig, type RuntimeTooling } from '../../src/tools';
import { benchTools } from './prompts';

const runtime: RuntimeTooling = { parsesCalls: false, honoursToolChoice: true, constrains: true };

function chunks(pieces: readonly string[]): ChatChunk[] {
  const base = { id: 'c', object: 'chat.completion.chunk' as const, created: 1, model: 'm' };
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
    ...pieces.map((content) => ({ ...base, choices: [{ index: 0, delta: { content }, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
  ];
}

/** Token-sized pieces (3–5 characters) of `text`, as llama.cpp streams one token per chunk. */
function tokens(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    const n = 3 + (i % 3);
    out.push(text.slice(i, i + n));
    i += n;
  }
  return out;
}

const prose = 'The weather in Paris is mild today, with light wind from the west and a few clouds. '.repeat(6);
const answers = {
  /** A long plain answer through the emulated parser: the cost every content token pays. */
  'emulated, plain answer': { decoding: 'lenient' as const, text: prose },
  'emulated, answer then call': {
    decoding: 'lenient' as const,
    text: `${prose.slice(0, 120)}<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\n</tool_call>`,
  },
  'constrained, response': { decoding: 'constrained' as const, text: JSON.stringify({ response: prose }) },
  'constrained, call': {
    decoding: 'constrained' as const,
    text: JSON.stringify({ tool_calls: [{ name: 'convert_currency', arguments: { amount: 100, from: 'USD', to: 'EUR' } }] }),
  },
};

export interface ParseCost {
  answer: string;
  chunks: number;
  usPerChunk: number;
}

export function measureParseCost(rounds = 300): ParseCost[] {
  const out: ParseCost[] = [];
  for (const [answer, { decoding, text }] of Object.entries(answers)) {
    const stream = chunks(tokens(text));
    const request = chatRequestSchema.parse({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: benchTools });
    const plan = planTools({ request, support: 'emulated', model: 'm', runtime, config: { ...defaultToolsConfig, decoding } })!;
    const run = () => {
      const tools = new ToolSession(plan).stream();
      // Fresh chunk objects each round: the codec mutates what it is given.
      for (const c of stream) tools.push({ ...c, choices: c.choices.map((ch) => ({ ...ch, delta: { ...ch.delta } })) });
      tools.end();
    };
    const copy = () => {
      for (const c of stream) void { ...c, choices: c.choices.map((ch) => ({ ...ch, delta: { ...ch.delta } })) };
    };
    for (let i = 0; i < 50; i++) run();
    // Best of several batches for each loop (the box is shared, and the minimum is what the code
    // itself costs), then the copying both loops do taken off.
    let bestRun = Number.POSITIVE_INFINITY;
    let bestCopy = Number.POSITIVE_INFINITY;
    for (let b = 0; b < 7; b++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) run();
      const t1 = process.hrtime.bigint();
      for (let i = 0; i < rounds; i++) copy();
      const t2 = process.hrtime.bigint();
      bestRun = Math.min(bestRun, Number(t1 - t0));
      bestCopy = Math.min(bestCopy, Number(t2 - t1));
    }
    out.push({ answer, chunks: stream.length, usPerChunk: Math.max(0, bestRun - bestCopy) / 1000 / rounds / stream.length });
  }
  return out;
}

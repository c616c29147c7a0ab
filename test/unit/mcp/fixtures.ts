// Fakes for the tool loop's ports: a model that answers from a script and records what it was
// sent, and tools that answer, hang, or fail on demand.
import { Cancellation, ManualClock, type CancelSignal, type ToolCall } from '../../../src/core';
import { McpToolSet, type LoopOptions, type LoopPorts, type McpCallResult, type ModelReply, type NextRound, type ToolInvocation } from '../../../src/mcp';

export const call = (name: string, args: unknown = {}, id = `id-${name}`): ToolCall => ({
  id,
  type: 'function',
  function: { name, arguments: typeof args === 'string' ? args : JSON.stringify(args) },
});

export const reply = (toolCalls: ToolCall[] = [], content = ''): ModelReply<string> => ({ toolCalls, content, handle: content || 'calls' });

export function toolSet(server = 'srv', tools = ['echo', 'hang']): McpToolSet {
  const set = new McpToolSet();
  for (const name of tools) set.add(server, { name, description: `${name} tool`, inputSchema: { type: 'object', properties: { text: { type: 'string' } } } });
  return set;
}

export interface Harness {
  clock: ManualClock;
  signal: Cancellation;
  /** What each model call after the first was sent. */
  rounds: NextRound[];
  executed: ToolInvocation[];
  signals: CancelSignal[];
  ports: LoopPorts<string>;
  options: LoopOptions;
  progress: string[];
}

export interface HarnessOptions {
  /** The model's next answers, in order; the last one repeats. */
  answers?: ModelReply<string>[];
  deny?: (call: ToolInvocation) => string[] | undefined;
  tool?: (call: ToolInvocation, signal: CancelSignal) => Promise<McpCallResult>;
  maxRounds?: number;
  resultMaxChars?: number;
  callTimeoutMs?: number;
}

export function harness(o: HarnessOptions = {}): Harness {
  const clock = new ManualClock(0);
  const signal = new Cancellation();
  const h: Harness = {
    clock,
    signal,
    rounds: [],
    executed: [],
    signals: [],
    progress: [],
    ports: {
      async callModel(next) {
        h.rounds.push(next);
        const answers = o.answers ?? [reply([], 'done')];
        return answers[Math.min(h.rounds.length - 1, answers.length - 1)]!;
      },
      authorizeTool(invocation) {
        const reasons = o.deny?.(invocation);
        return reasons ? { allow: false, reasons, id: 'd-deny' } : { allow: true, reasons: [], id: 'd-allow' };
      },
      executeTool(invocation, options) {
        h.executed.push(invocation);
        h.signals.push(options.signal);
        if (o.tool) return o.tool(invocation, options.signal);
        return Promise.resolve({ content: [{ type: 'text', text: `echo ${JSON.stringify(invocation.arguments)}` }] });
      },
    },
    options: {
      tools: toolSet(),
      limits: {
        maxRounds: o.maxRounds ?? 5,
        maxCallsPerRound: 8,
        callTimeoutMs: () => o.callTimeoutMs ?? 1_000,
        maxCallTimeoutMs: 10_000,
        resultMaxChars: o.resultMaxChars ?? 8_192,
      },
      clock,
      signal,
      onProgress: (text) => h.progress.push(text),
    },
  };
  return h;
}

/** A tool that never answers (until its signal aborts, when it rejects as the SDK does). */
export const hangingTool = (_call: ToolInvocation, signal: CancelSignal): Promise<McpCallResult> =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

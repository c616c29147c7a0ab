// The tool loop, pure: the model's answer asks for MCP tools → each call is checked and run →
// results go back as `tool` messages → the model is asked again, until it answers without MCP
// calls, hands calls back to the client, or the round limit is reached. It talks to the world only
// through ports (callModel, authorizeTool, executeTool), so it imports neither upstreams nor policy.
//
// After the last allowed round the model is asked once more without MCP tools, so the client gets
// an answer built from what the tools returned (LiteLLM's follow-up and MCP-Bridge drop the tools
// the same way); calls it still makes are not run.
import type { CancelSignal, ChatMessage, Clock, ToolCall } from '../core';
import { parseArguments } from './arguments';
import { argumentsHash, type ToolCallRecord } from './call-record';
import { isExposedName } from './names';
import { runCall, type CallLimits, type ToolPorts } from './run-call';
import type { McpToolSet } from './toolset';

/** One answer of the model, as the loop needs it; `handle` is the gateway's, to deliver it. */
export interface ModelReply<H> {
  /** Its tool calls, OpenAI-shaped (native, or parsed from an emulated model's text). */
  toolCalls: ToolCall[];
  content: string;
  handle: H;
}

export interface NextRound {
  /** Everything the loop added to the conversation so far (assistant calls and tool results). */
  messages: ChatMessage[];
  /** The model call's number, 2-based (the first answer came before the loop). */
  call: number;
  /** Ask without the MCP tools: the round limit is reached. */
  withoutTools: boolean;
}

export interface LoopPorts<H> extends ToolPorts {
  callModel(next: NextRound): Promise<ModelReply<H>>;
}

export interface LoopLimits extends CallLimits {
  maxRounds: number;
  maxCallsPerRound: number;
}

export interface LoopOptions {
  tools: McpToolSet;
  limits: LoopLimits;
  clock: Clock;
  signal: CancelSignal;
  /** What the exchange is doing now (SSE keep-alive comments show it). */
  onProgress?(text: string): void;
  /** Each finished call, as it finishes (audit, metrics). */
  onCall?(record: ToolCallRecord): void;
}

export interface LoopResult<H> {
  /** The answer the client gets. */
  reply: ModelReply<H>;
  /** Every MCP call of the exchange, in order. */
  calls: ToolCallRecord[];
  /** Ids of the reply's calls that are MCP calls: the client must not see them. */
  hidden: ReadonlySet<string>;
  /** Why the loop stopped while the model still called MCP tools. */
  stopped?: 'max_rounds';
}

/** The bridge's calls in an answer: known MCP tools, and unknown names in the `mcp__` namespace. */
export function ownCalls(calls: readonly ToolCall[], tools: McpToolSet): ToolCall[] {
  return calls.filter((c) => tools.has(c.function.name) || isExposedName(c.function.name));
}

export async function runToolLoop<H>(first: ModelReply<H>, ports: LoopPorts<H>, o: LoopOptions): Promise<LoopResult<H>> {
  const calls: ToolCallRecord[] = [];
  const messages: ChatMessage[] = [];
  let reply = first;
  for (let round = 1; ; round++) {
    const own = ownCalls(reply.toolCalls, o.tools);
    if (own.length === 0) return { reply, calls, hidden: new Set() };
    own.forEach((c, i) => {
      // Some runtimes send calls without ids; tool messages must name the call they answer.
      if (!c.id) c.id = `call_mcp_${round}_${i}`;
    });
    const hidden = new Set(own.map((c) => c.id));
    if (round > o.limits.maxRounds) {
      for (const c of own) {
        const record = notRun(c, round, o, 'the round limit was reached');
        o.onCall?.(record);
        calls.push(record);
      }
      return { reply, calls, hidden, stopped: 'max_rounds' };
    }
    const records = await runRound(own, round, ports, o);
    calls.push(...records);
    if (o.signal.aborted) throw o.signal.reason;
    // A mixed answer: the client's own calls go back to it, with the MCP calls already run.
    if (own.length < reply.toolCalls.length) return { reply, calls, hidden };
    messages.push({
      role: 'assistant',
      // A string even when empty: llama-cpp-python refuses an assistant message whose content is
      // null, and every other runtime takes "" as well.
      content: reply.content,
      tool_calls: own.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.function.name, arguments: c.function.arguments } })),
    });
    for (const r of records) messages.push({ role: 'tool', tool_call_id: r.id, content: r.output });
    o.onProgress?.(`waiting for the model (after tool round ${round})`);
    reply = await ports.callModel({ messages: [...messages], call: round + 1, withoutTools: round >= o.limits.maxRounds });
  }
}

async function runRound<H>(own: ToolCall[], round: number, ports: LoopPorts<H>, o: LoopOptions): Promise<ToolCallRecord[]> {
  const runnable = own.slice(0, o.limits.maxCallsPerRound);
  const running = new Set(runnable.map((c) => c.function.name));
  const show = () => o.onProgress?.(`running ${[...running].join(', ')}`);
  show();
  const ctx = { tools: o.tools, limits: o.limits, clock: o.clock, signal: o.signal, round };
  const records = await Promise.all(
    runnable.map(async (c) => {
      const record = await runCall(c, ports, ctx);
      running.delete(c.function.name);
      if (running.size > 0) show();
      o.onCall?.(record);
      return record;
    }),
  );
  for (const c of own.slice(runnable.length)) {
    const record = notRun(c, round, o, `at most ${o.limits.maxCallsPerRound} tool calls are run per answer`);
    o.onCall?.(record);
    records.push(record);
  }
  return records;
}

function notRun(c: ToolCall, round: number, o: LoopOptions, why: string): ToolCallRecord {
  const exposed = o.tools.resolve(c.function.name);
  const parsed = parseArguments(c.function.arguments);
  return {
    id: c.id,
    name: c.function.name,
    server: exposed?.server ?? '',
    tool: exposed?.tool ?? '',
    round,
    arguments: c.function.arguments,
    argumentsHash: argumentsHash(c.function.arguments, parsed.ok ? parsed.value : undefined),
    outcome: 'not_run',
    durationMs: 0,
    output: `Error: not run: ${why}.`,
    error: why,
  };
}

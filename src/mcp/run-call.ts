// One MCP tool call of the loop: resolve the name, parse the arguments, ask policy, execute with a
// deadline and the exchange's cancellation, and turn whatever happened into the text the model
// reads and the record the audit keeps. Only cancellation escapes as an exception.
import type { CancelSignal, Clock, ToolCall } from '../core';
import { parseArguments } from './arguments';
import { argumentsHash, type ToolCallOutcome, type ToolCallRecord } from './call-record';
import { DeadlineExceeded, withDeadline } from './deadline';
import { renderResult } from './result-text';
import type { McpToolSet } from './toolset';
import type { McpCallOptions, McpCallResult } from './types';

export interface ToolInvocation {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** Round of the loop, 1-based (the policy's `tool_call.round`). */
  round: number;
}

export interface ToolVerdict {
  allow: boolean;
  reasons: string[];
  /** The policy decision's id, for the audit entry. */
  id?: string;
}

/** The loop's doors to the world: the gateway wires them to policy and the MCP pool. */
export interface ToolPorts {
  authorizeTool(call: ToolInvocation): ToolVerdict;
  executeTool(call: ToolInvocation, options: McpCallOptions): Promise<McpCallResult>;
}

export interface CallLimits {
  callTimeoutMs(server: string): number;
  maxCallTimeoutMs: number;
  resultMaxChars: number;
}

export interface RunCallContext {
  tools: McpToolSet;
  limits: CallLimits;
  clock: Clock;
  /** The exchange's cancellation: client gone, preempted. */
  signal: CancelSignal;
  round: number;
}

export async function runCall(call: ToolCall, ports: ToolPorts, ctx: RunCallContext): Promise<ToolCallRecord> {
  const { clock, round } = ctx;
  const started = clock.now();
  const raw = call.function.arguments;
  const exposed = ctx.tools.resolve(call.function.name);
  const parsed = parseArguments(raw);
  const base: Omit<ToolCallRecord, 'outcome' | 'output' | 'durationMs'> = {
    id: call.id,
    name: call.function.name,
    server: exposed?.server ?? '',
    tool: exposed?.tool ?? '',
    round,
    arguments: raw,
    argumentsHash: argumentsHash(raw, parsed.ok ? parsed.value : undefined),
  };
  const done = (outcome: ToolCallOutcome, output: string, extra: Partial<ToolCallRecord> = {}): ToolCallRecord => ({
    ...base,
    outcome,
    output,
    durationMs: clock.now() - started,
    ...extra,
  });
  if (!exposed) {
    return done('unknown_tool', `Error: there is no tool named "${call.function.name}" in this conversation.`, { error: 'unknown tool' });
  }
  if (!parsed.ok) {
    return done('invalid_arguments', `Error: the arguments are ${parsed.error}; call the tool again with a JSON object.`, {
      error: `arguments ${parsed.error}`,
    });
  }
  const invocation: ToolInvocation = { server: exposed.server, tool: exposed.tool, arguments: parsed.value, round };
  const verdict = ports.authorizeTool(invocation);
  if (verdict.id !== undefined) base.decisionId = verdict.id;
  if (!verdict.allow) {
    const why = verdict.reasons.length > 0 ? verdict.reasons.join('; ') : 'no rule allows it';
    return done('denied', `Error: Aegis' policy refused this call (${why}); it was not run. Do not retry it.`, {
      error: 'denied by policy',
      reasons: verdict.reasons,
    });
  }
  const timeoutMs = ctx.limits.callTimeoutMs(exposed.server);
  try {
    const result = await withDeadline((signal, touch) => ports.executeTool(invocation, { signal, onProgress: () => touch() }), {
      clock,
      timeoutMs,
      maxTotalMs: Math.max(timeoutMs, ctx.limits.maxCallTimeoutMs),
      signal: ctx.signal,
    });
    const rendered = renderResult(result, ctx.limits.resultMaxChars);
    const extra = rendered.fullLength > rendered.text.length ? { fullLength: rendered.fullLength } : {};
    return done(rendered.isError ? 'tool_error' : 'ok', rendered.text, rendered.isError ? { ...extra, error: 'the tool reported an error' } : extra);
  } catch (err) {
    if (ctx.signal.aborted) {
      // The exchange is over; the record still says the call was cut (audit), the loop stops.
      return done('cancelled', `Error: the call was cancelled.`, { error: 'cancelled: the client went away or the request was preempted' });
    }
    if (err instanceof DeadlineExceeded) {
      return done('timeout', `Error: the tool did not answer within ${Math.round(err.ms / 1000)} s; the call was cancelled.`, {
        error: `timed out after ${err.ms} ms`,
      });
    }
    const message = err instanceof Error ? err.message : String(err);
    return done('error', `Error: the tool could not be called: ${message}`, { error: message });
  }
}

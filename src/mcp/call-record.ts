// What one MCP tool call became: the entry of the exchange record, the audit event and the
// `aegis_tool_calls` item the client sees.
import { createHash } from 'node:crypto';
import type { ExchangeToolCall } from '../core';

export type ToolCallOutcome =
  /** The tool answered. */
  | 'ok'
  /** The tool answered with `isError` (the model gets its message). */
  | 'tool_error'
  /** Policy refused the call; it was not executed. */
  | 'denied'
  | 'timeout'
  /** The client went away or the exchange was preempted while the call ran. */
  | 'cancelled'
  /** The server could not be reached, or the call failed at the protocol level. */
  | 'error'
  | 'invalid_arguments'
  | 'unknown_tool'
  /** Refused before running: more calls in one answer than allowed, or after the last round. */
  | 'not_run';

/** An MCP call as the loop saw it: the exchange record's entry (src/core) and what only the loop needs. */
export interface ToolCallRecord extends ExchangeToolCall {
  outcome: ToolCallOutcome;
  /** Characters of the result before the cap, when it was cut. */
  fullLength?: number;
  /** The policy decision's reasons, for a denied call. */
  reasons?: string[];
  /** The policy decision that allowed or refused the call. */
  decisionId?: string;
}

export function argumentsHash(raw: string, parsed: unknown): string {
  return createHash('sha256')
    .update(parsed === undefined ? raw : JSON.stringify(parsed))
    .digest('hex');
}

/** Failed outcomes, for metrics and audit (`ok` and `tool_error` mean the tool ran). */
export function ran(outcome: ToolCallOutcome): boolean {
  return outcome === 'ok' || outcome === 'tool_error';
}

// What one MCP tool call became: the entry of the exchange record, the audit event and the
// `aegis_tool_calls` item the client sees.
import { createHash } from 'node:crypto';

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

export interface ToolCallRecord {
  /** The model's tool-call id. */
  id: string;
  /** The name the model called (`mcp__server__tool`). */
  name: string;
  server: string;
  tool: string;
  round: number;
  /** The arguments as the model wrote them. */
  arguments: string;
  /** sha256 of the arguments (parsed and re-serialised when they parse), for audits without them. */
  argumentsHash: string;
  outcome: ToolCallOutcome;
  durationMs: number;
  /** What the model was told (capped). */
  output: string;
  /** Characters of the result before the cap, when it was cut. */
  fullLength?: number;
  /** Why it failed, in Aegis' words (not the tool's). */
  error?: string;
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

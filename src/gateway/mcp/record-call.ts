// Every MCP call of the tool loop, as it finishes: an audit entry (server, tool, arguments hash,
// outcome, duration — never the arguments), the metrics, and the exchange's record.
import { ran, type ToolCallRecord } from '../../mcp';
import type { Exchange } from '../exchange/exchange';
import type { ClientRequest } from '../exchange/front-door';

/** Labels stay bounded: names the model made up are not series. */
const UNKNOWN = '(unknown)';

/** Outcomes of calls that never reached a server: they have no duration worth a histogram. */
const NOT_SENT = new Set(['denied', 'invalid_arguments', 'unknown_tool', 'not_run']);

export function recordCall(x: Exchange<ClientRequest, unknown, unknown>, r: ToolCallRecord): void {
  const { deps, principal, requestId } = x.start;
  const server = r.server || UNKNOWN;
  const tool = r.tool || UNKNOWN;
  deps.metrics.mcpCalls.inc({ server, tool, outcome: r.outcome });
  if (!NOT_SENT.has(r.outcome)) deps.metrics.mcpCallDuration.observe({ server, tool }, r.durationMs / 1000);
  deps.audit?.({
    type: 'mcp.tool_call',
    actor: principal.id,
    target: `${server}/${tool}`,
    outcome: ran(r.outcome) ? 'ok' : r.outcome === 'denied' ? 'deny' : 'error',
    requestId,
    decisionId: r.decisionId ?? x.decision?.id,
    details: {
      server: r.server,
      tool: r.tool,
      name: r.name,
      callId: r.id,
      round: r.round,
      outcome: r.outcome,
      argumentsHash: r.argumentsHash,
      durationMs: r.durationMs,
      ...(r.reasons ? { reasons: r.reasons } : {}),
      ...(r.error ? { error: r.error } : {}),
    },
  });
  x.mcpCalls.push({
    id: r.id,
    name: r.name,
    server: r.server,
    tool: r.tool,
    round: r.round,
    arguments: r.arguments,
    argumentsHash: r.argumentsHash,
    outcome: r.outcome,
    durationMs: r.durationMs,
    output: r.output,
    ...(r.error ? { error: r.error } : {}),
  });
}

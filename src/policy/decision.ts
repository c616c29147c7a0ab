// Decisions as the gateway uses them: the policy's flat output nested into obligations, the fail-closed
// decision, the 403 error and the response header, and the checks that apply tool obligations.
import { GatewayError } from '../core';
import type { Decision, Obligations, PolicyOutput } from './types';

export const DECISION_HEADER = 'x-aegis-decision-id';

const closedObligations = (): Obligations => ({
  max_tokens: 0,
  priority: 'standard',
  truncation: [],
  tools: { allowed: [], removed: [], on_disallowed: 'deny' },
  mcp: { servers: {} },
  log: { rag: false, redact: [] },
  quotas: { requests_per_minute: null, tokens_per_day: null },
});

/** Whether a value is shaped like the policy's output; anything else is an evaluation failure. */
export function isPolicyOutput(value: unknown): value is PolicyOutput {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<PolicyOutput>;
  return typeof v.allow === 'boolean' && Array.isArray(v.reasons);
}

export function toDecision(out: PolicyOutput, id: string, revision: string): Decision {
  return {
    id,
    revision,
    allow: out.allow,
    reasons: out.reasons,
    obligations: {
      max_tokens: out.max_tokens ?? null,
      priority: out.priority ?? 'standard',
      truncation: out.truncation ?? [],
      tools: { allowed: out.tools_allowed ?? [], removed: out.tools_removed ?? [], on_disallowed: out.tools_on_disallowed ?? 'remove' },
      mcp: { servers: out.mcp_servers ?? {} },
      log: { rag: out.log_rag ?? false, redact: out.redact ?? [] },
      quotas: { requests_per_minute: out.quotas?.requests_per_minute ?? null, tokens_per_day: out.quotas?.tokens_per_day ?? null },
    },
  };
}

/** What the engine returns when the policy cannot decide: a deny that says so. */
export function failClosed(id: string, revision: string, reason: string): Decision {
  return { id, revision, allow: false, reasons: [reason], obligations: closedObligations() };
}

/** The 403 for a denied decision; the envelope carries the reasons and the decision id. */
export function policyDeniedError(decision: Decision): GatewayError {
  const message = decision.reasons.length > 0 ? `Denied by policy: ${decision.reasons.join('; ')}` : 'Denied by policy.';
  return new GatewayError('policy_denied', message, { details: { reasons: decision.reasons, decision_id: decision.id } });
}

/**
 * Reasons starting with this are quota denials (policies.rego's quota rules): the request may be
 * retried later, so it is a 429 with Retry-After rather than a 403.
 */
export const QUOTA_REASON_PREFIX = 'quota exceeded';

/** A denial for quotas alone: no other rule refused the request. */
export function isQuotaDenial(decision: Decision): boolean {
  return !decision.allow && decision.reasons.length > 0 && decision.reasons.every((r) => r.startsWith(QUOTA_REASON_PREFIX));
}

/** Throws the 403 unless the decision allows. */
export function enforce(decision: Decision): Decision {
  if (!decision.allow) throw policyDeniedError(decision);
  return decision;
}

export function decisionHeaders(decision: Decision): Record<string, string> {
  return { [DECISION_HEADER]: decision.id };
}

/** Pattern language of policy data: an exact name, "*", or a prefix ending in "*". */
export function matchesPattern(pattern: string, value: string): boolean {
  if (pattern === value || pattern === '*') return true;
  return pattern.endsWith('*') && value.startsWith(pattern.slice(0, -1));
}

/** Whether the decision's MCP obligation lets the principal see `server`/`tool` (catalog filtering). */
export function mcpToolAllowed(obligations: Obligations, server: string, tool: string): boolean {
  const servers = obligations.mcp.servers;
  const patterns = [...(servers[server] ?? []), ...(servers['*'] ?? [])];
  return patterns.some((p) => matchesPattern(p, tool));
}

interface ToolLike {
  type?: string;
  function?: { name?: string };
}

/** The request's tools without the ones the policy removed (only when the decision allowed). */
export function allowedTools<T extends ToolLike>(tools: readonly T[], obligations: Obligations): T[] {
  const removed = new Set(obligations.tools.removed);
  return removed.size === 0 ? [...tools] : tools.filter((t) => !removed.has(t.function?.name ?? ''));
}

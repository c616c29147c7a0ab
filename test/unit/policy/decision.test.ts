// Decisions as the gateway uses them: the 403 envelope, the header, and applying tool obligations.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../../src/core';
import {
  DECISION_HEADER,
  allowedTools,
  decisionHeaders,
  enforce,
  mcpToolAllowed,
  permissiveObligations,
  policyDeniedError,
  toDecision,
  type Decision,
} from '../../../src/policy';

const denied: Decision = {
  id: 'd-1',
  revision: 'r',
  allow: false,
  reasons: ['endpoint "admin" is not allowed for roles user', 'quota exceeded'],
  obligations: permissiveObligations(),
};

describe('decisions', () => {
  it('renders a denial as 403 policy_denied with reasons and the decision id', () => {
    const err = policyDeniedError(denied);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.status).toBe(403);
    expect(err.toJSON()).toEqual({
      error: {
        message: 'Denied by policy: endpoint "admin" is not allowed for roles user; quota exceeded',
        type: 'permission_error',
        param: null,
        code: 'policy_denied',
        reasons: denied.reasons,
        decision_id: 'd-1',
      },
    });
  });

  it('enforce passes an allow through and throws on a deny', () => {
    const allowed = { ...denied, allow: true, reasons: [] };
    expect(enforce(allowed)).toBe(allowed);
    expect(() => enforce(denied)).toThrow(GatewayError);
  });

  it('names the response header', () => {
    expect(decisionHeaders(denied)).toEqual({ [DECISION_HEADER]: 'd-1' });
    expect(DECISION_HEADER).toBe('x-aegis-decision-id');
  });

  it('nests the flat policy output and fills what a tool decision leaves out', () => {
    const d = toDecision({ allow: true, reasons: [], mcp_servers: { aegis: ['chat'] }, redact: ['jwt'] }, 'd-2', 'r');
    expect(d.obligations).toEqual({
      max_tokens: null,
      priority: 'standard',
      truncation: [],
      tools: { allowed: [], removed: [], on_disallowed: 'remove' },
      mcp: { servers: { aegis: ['chat'] } },
      log: { rag: false, redact: ['jwt'] },
      quotas: { requests_per_minute: null, tokens_per_day: null },
    });
  });

  it('filters an MCP catalog with the same patterns as the policy', () => {
    const o = { ...permissiveObligations(), mcp: { servers: { fs: ['read_*'], aegis: ['chat'], '*': ['ping'] } } };
    expect(mcpToolAllowed(o, 'fs', 'read_file')).toBe(true);
    expect(mcpToolAllowed(o, 'fs', 'write_file')).toBe(false);
    expect(mcpToolAllowed(o, 'aegis', 'chat')).toBe(true);
    expect(mcpToolAllowed(o, 'github', 'ping')).toBe(true);
    expect(mcpToolAllowed(o, 'github', 'create_issue')).toBe(false);
  });

  it('removes the tools the policy removed', () => {
    const tools = [
      { type: 'function', function: { name: 'get_weather' } },
      { type: 'function', function: { name: 'run_shell' } },
    ];
    const o = { ...permissiveObligations(), tools: { allowed: ['get_weather'], removed: ['run_shell'], on_disallowed: 'remove' as const } };
    expect(allowedTools(tools, o).map((t) => t.function.name)).toEqual(['get_weather']);
  });
});

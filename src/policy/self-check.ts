// The gate a new bundle or data document must pass before it replaces the live one: deny by default
// still holds, every role yields a well-formed decision (no wasm abort, no rule conflict), and any
// operator-supplied decision cases still hold.
import type { PolicyData } from './data';
import { caseInput, expectationProblems, type DecisionCase } from './decision-table';
import type { Decision, PolicyInput } from './types';

export type Decide = (input: PolicyInput) => Decision;

/** A decision case without `data`: it runs against the candidate's own data, which it cannot change. */
export type SelfCheckCase = Omit<DecisionCase, 'data'>;

const PROBE_TIME = { now_ms: 0, hour_utc: 12, weekday: 3 };

function probeRequest(roles: string[]): PolicyInput {
  return {
    principal: { id: 'aegis-self-check', roles },
    route: { method: 'POST', path: '/v1/chat/completions', endpoint: 'chat' },
    model: { name: 'aegis-self-check-model', version: '1', aliases: [], tags: [], priority: 'standard', upstream: 'self-check' },
    request: { stream: false, estimated_prompt_tokens: 10, tools: ['aegis_self_check_tool'], has_images: false },
    content: { has_private_key: false, has_cloud_credential: false, has_api_key: false, has_jwt: false },
    usage: { requests_last_minute: 0, tokens_today: 0 },
    time: PROBE_TIME,
  };
}

function probeToolCall(roles: string[]): PolicyInput {
  const { principal, route, time } = probeRequest(roles);
  const content = { has_private_key: false, has_cloud_credential: false, has_api_key: false, has_jwt: false };
  return { principal, route, time, tool_call: { server: 'aegis-self-check', tool: 'probe', arguments: {}, content } };
}

const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Type problems in a decision, as `field: problem`. */
export function shapeProblems(d: Decision): string[] {
  const o = d.obligations;
  const problems: string[] = [];
  if (typeof d.allow !== 'boolean') problems.push('allow is not a boolean');
  if (!isStrings(d.reasons)) problems.push('reasons is not a list of strings');
  if (!(o.max_tokens === null || typeof o.max_tokens === 'number')) problems.push('max_tokens is neither a number nor null');
  if (typeof o.priority !== 'string') problems.push('priority is not a string');
  if (!isStrings(o.truncation)) problems.push('truncation is not a list of strings');
  if (!isStrings(o.tools.allowed) || !isStrings(o.tools.removed)) problems.push('tools_allowed/tools_removed are not lists of strings');
  if (o.tools.on_disallowed !== 'remove' && o.tools.on_disallowed !== 'deny') problems.push('tools_on_disallowed is neither "remove" nor "deny"');
  if (typeof o.mcp.servers !== 'object' || o.mcp.servers === null || !Object.values(o.mcp.servers).every(isStrings))
    problems.push('mcp_servers is not a map of string lists');
  if (typeof o.log.rag !== 'boolean') problems.push('log_rag is not a boolean');
  if (!isStrings(o.log.redact)) problems.push('redact is not a list of strings');
  return problems;
}

function attempt(label: string, decide: Decide, input: PolicyInput, problems: string[]): Decision | undefined {
  try {
    const d = decide(input);
    for (const p of shapeProblems(d)) problems.push(`${label}: ${p}`);
    return d;
  } catch (err) {
    problems.push(`${label}: evaluation failed: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

/** Every problem found; empty means the candidate may serve. `cases` run against the candidate's data. */
export function selfCheck(decide: Decide, data: PolicyData, cases: readonly SelfCheckCase[] = []): string[] {
  const problems: string[] = [];
  for (const [label, roles] of [
    ['no roles', []],
    ['unknown role', ['aegis-self-check-no-such-role']],
  ] as const) {
    for (const [kind, input] of [
      ['request', probeRequest([...roles])],
      ['tool call', probeToolCall([...roles])],
    ] as const) {
      const d = attempt(`${kind} with ${label}`, decide, input, problems);
      if (d?.allow) problems.push(`${kind} with ${label} was allowed: the policy no longer denies by default`);
    }
  }
  for (const role of Object.keys(data.roles ?? {})) {
    attempt(`request as role ${role}`, decide, probeRequest([role]), problems);
    attempt(`tool call as role ${role}`, decide, probeToolCall([role]), problems);
  }
  for (const c of cases) {
    const d = attempt(`case "${c.name}"`, decide, caseInput({}, c), problems);
    if (d) for (const p of expectationProblems(d, c.expect)) problems.push(`case "${c.name}": ${p}`);
  }
  return problems;
}

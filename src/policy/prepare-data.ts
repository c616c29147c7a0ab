// Turns the operator's data document into the one policies.rego reads: work done here once per
// config change is work every evaluation skips (Rego function calls are costly in wasm, and the
// policy is evaluated on every request).
import type { ArgumentRule, ModelGroup, PolicyData, RoleData } from './data';
import type { Endpoint } from './types';

export const ENDPOINTS: readonly Endpoint[] = ['chat', 'completions', 'embeddings', 'models', 'admin', 'mcp'];

/** A role with every field present; null means "no limit". */
export interface PreparedRole {
  endpoints: string[];
  model_groups: string[];
  max_tokens: number | null;
  max_prompt_tokens: number | null;
  priority: string;
  priority_rank: number;
  truncation: string[];
  tools: string[];
  tool_prefixes: string[];
  tools_on_disallowed: 'remove' | 'deny';
  mcp: Record<string, string[]>;
  images: boolean;
  secrets_allowed: string[];
  log_rag: boolean;
  quotas: { requests_per_minute: number | null; tokens_per_day: number | null };
  schedule: { hours_utc: [number, number] | null; weekdays: number[] | null } | null;
}

export interface PreparedGroup {
  models: string[];
  model_prefixes: string[];
  tags: string[];
  priorities: string[];
  exclude_tags: string[];
}

/** The document `setData` receives. */
export interface PreparedData {
  roles: Record<string, PreparedRole>;
  model_groups: Record<string, PreparedGroup>;
  priorities: Record<string, number>;
  content: { deny: string[] };
  log: PolicyData['log'];
  mcp: { argument_rules: Required<ArgumentRule>[] };
  blocked_keys: string[];
}

/** Splits name patterns: "*" and "prefix*" become prefixes, anything else an exact name. */
export function splitPatterns(patterns: readonly string[]): { exact: string[]; prefixes: string[] } {
  const exact: string[] = [];
  const prefixes: string[] = [];
  for (const p of patterns) (p.endsWith('*') ? prefixes : exact).push(p.endsWith('*') ? p.slice(0, -1) : p);
  return { exact, prefixes };
}

const UNRANKED = 1000;

function prepareRole(role: RoleData, defaults: RoleData, priorities: Record<string, number>): PreparedRole {
  const r: RoleData = { ...defaults, ...role };
  const endpoints = r.endpoints ?? [];
  const tools = splitPatterns(r.tools ?? []);
  const priority = r.priority ?? 'standard';
  const quotas = role.quotas ?? defaults.quotas ?? {};
  return {
    endpoints: endpoints.includes('*') ? [...ENDPOINTS] : [...endpoints],
    model_groups: [...(r.model_groups ?? [])],
    max_tokens: r.max_tokens ?? null,
    max_prompt_tokens: r.max_prompt_tokens ?? null,
    priority,
    priority_rank: priorities[priority] ?? UNRANKED,
    truncation: [...(r.truncation ?? [])],
    tools: tools.exact,
    tool_prefixes: tools.prefixes,
    tools_on_disallowed: r.tools_on_disallowed ?? 'remove',
    mcp: { ...(r.mcp ?? {}) },
    images: r.images ?? true,
    secrets_allowed: [...(r.secrets_allowed ?? [])],
    log_rag: r.log_rag ?? true,
    quotas: { requests_per_minute: quotas.requests_per_minute ?? null, tokens_per_day: quotas.tokens_per_day ?? null },
    schedule: r.schedule ? { hours_utc: r.schedule.hours_utc ?? null, weekdays: r.schedule.weekdays ?? null } : null,
  };
}

function prepareGroup(g: ModelGroup): PreparedGroup {
  const { exact, prefixes } = splitPatterns(g.models ?? []);
  return {
    models: exact,
    model_prefixes: prefixes,
    tags: [...(g.tags ?? [])],
    priorities: [...(g.priorities ?? [])],
    exclude_tags: [...(g.exclude_tags ?? [])],
  };
}

export function preparePolicyData(data: PolicyData): PreparedData {
  const priorities = { ...(data.priorities ?? {}) };
  const defaults = data.defaults ?? {};
  return {
    roles: Object.fromEntries(Object.entries(data.roles ?? {}).map(([name, role]) => [name, prepareRole(role, defaults, priorities)])),
    model_groups: Object.fromEntries(Object.entries(data.model_groups ?? {}).map(([name, g]) => [name, prepareGroup(g)])),
    priorities,
    content: { deny: [...(data.content?.deny ?? [])] },
    log: {
      rag_endpoints: [...(data.log?.rag_endpoints ?? ['chat', 'completions'])],
      no_rag_tags: [...(data.log?.no_rag_tags ?? [])],
      // Sorted and unique: the policy returns it as is when the prompt held no secret.
      redact: [...new Set(data.log?.redact ?? [])].sort(),
    },
    mcp: {
      argument_rules: (data.mcp?.argument_rules ?? []).map((r) => ({
        server: r.server ?? '*',
        tool: r.tool ?? '*',
        argument: r.argument,
        pattern: r.pattern,
        reason: r.reason ?? `matches ${r.pattern}`,
      })),
    },
    blocked_keys: [...(data.blocked_keys ?? [])],
  };
}

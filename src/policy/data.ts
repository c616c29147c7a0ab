// The data document policies.rego reads (roles, model groups, limits), its shipped defaults, and the
// merge with `policy.data` from aegis.yaml. Patterns are exact names, "*", or a prefix ending in "*".

export interface RoleSchedule {
  /** [from, to) in UTC hours; from > to wraps midnight, e.g. [22, 6]. */
  hours_utc?: [number, number];
  /** 0 = Sunday … 6 = Saturday. */
  weekdays?: number[];
}

export interface RoleQuotas {
  requests_per_minute?: number;
  tokens_per_day?: number;
}

/** Every field falls back to `defaults`; the most generous of a principal's roles wins. */
export interface RoleData {
  endpoints?: string[];
  /** Names of `model_groups`, or "*" for every model. */
  model_groups?: string[];
  max_tokens?: number;
  max_prompt_tokens?: number;
  /** The best priority class the role may use. */
  priority?: string;
  truncation?: string[];
  /** Client function-tool name patterns. */
  tools?: string[];
  tools_on_disallowed?: 'remove' | 'deny';
  /** MCP server pattern → tool patterns. */
  mcp?: Record<string, string[]>;
  images?: boolean;
  /** Secret categories this role may send despite `content.deny`. */
  secrets_allowed?: string[];
  /** false keeps this role's exchanges out of RAG. */
  log_rag?: boolean;
  quotas?: RoleQuotas;
  schedule?: RoleSchedule;
}

export interface ModelGroup {
  /** Patterns over name, name@version and aliases. */
  models?: string[];
  tags?: string[];
  priorities?: string[];
  exclude_tags?: string[];
}

export interface ArgumentRule {
  server?: string;
  tool?: string;
  argument: string;
  /** RE2 regular expression matched against the string argument. */
  pattern: string;
  reason?: string;
}

export interface PolicyData {
  roles: Record<string, RoleData>;
  model_groups: Record<string, ModelGroup>;
  /** Priority class → rank (lower is more important), as the scheduler's classes. */
  priorities: Record<string, number>;
  defaults: RoleData;
  content: { deny: string[] };
  log: { rag_endpoints: string[]; no_rag_tags: string[]; redact: string[] };
  mcp: { argument_rules: ArgumentRule[] };
  blocked_keys: string[];
}

const ALL_TRUNCATION = ['drop-oldest', 'middle-out', 'refuse'];

/** Defaults that fit the default config: `user` for ordinary keys, `admin` for operators. */
export const defaultPolicyData: PolicyData = {
  roles: {
    admin: {
      endpoints: ['*'],
      model_groups: ['*'],
      max_tokens: 32768,
      priority: 'critical',
      mcp: { '*': ['*'] },
      quotas: {},
    },
    user: {
      endpoints: ['chat', 'completions', 'embeddings', 'models', 'mcp'],
      model_groups: ['general'],
      mcp: { aegis: ['chat', 'list_models', 'rag_search', 'consult', 'task_status', 'task_result'] },
    },
    batch: {
      endpoints: ['chat', 'completions', 'embeddings', 'models'],
      model_groups: ['general'],
      max_tokens: 8192,
      priority: 'batch',
      tools: [],
      quotas: { requests_per_minute: 600, tokens_per_day: 20_000_000 },
    },
    readonly: { endpoints: ['models'], model_groups: [] },
    // The machine's own user when no keys are configured: every model and tool, no quotas, but no
    // admin endpoints (those take a key or the operator token).
    local: {
      endpoints: ['chat', 'completions', 'embeddings', 'models', 'mcp'],
      model_groups: ['*'],
      mcp: { '*': ['*'] },
      quotas: {},
    },
  },
  model_groups: {
    general: { models: ['*'], exclude_tags: ['restricted'] },
  },
  priorities: { critical: 0, standard: 1, batch: 2 },
  defaults: {
    endpoints: [],
    model_groups: [],
    max_tokens: 4096,
    max_prompt_tokens: 32768,
    priority: 'standard',
    truncation: ALL_TRUNCATION,
    tools: ['*'],
    tools_on_disallowed: 'remove',
    mcp: {},
    images: true,
    secrets_allowed: [],
    log_rag: true,
    quotas: { requests_per_minute: 120, tokens_per_day: 2_000_000 },
  },
  content: { deny: ['private_key', 'cloud_credential'] },
  log: { rag_endpoints: ['chat', 'completions'], no_rag_tags: ['no-log'], redact: ['api_key', 'cloud_credential', 'jwt', 'private_key'] },
  mcp: {
    argument_rules: [{ argument: 'path', pattern: '(^|/)\\.ssh(/|$)|(^|/)\\.aws(/|$)|(^|/)\\.env$|^/etc/shadow$', reason: 'credential files are off limits' }],
  },
  blocked_keys: [],
};

/** A JSON object (not an array, not null): what merges field by field and what the checks walk into. */
export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `patch` over `base`: objects merge recursively, a null deletes the key (also inside an object that
 * lands where there was none), anything else replaces.
 */
export function mergeDeep(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const current = out[k];
    if (v === null) delete out[k];
    else out[k] = isPlainObject(v) ? mergeDeep(isPlainObject(current) ? current : {}, v) : v;
  }
  return out;
}

/**
 * `overrides` (aegis.yaml `policy.data`) over `base`, field by field at every depth, so a config can
 * change one field of one role (`roles.user.max_tokens`) without restating the role's grants. Arrays
 * and scalars replace; `null` removes a key at any depth (`roles: { batch: null }` drops a role).
 */
export function mergePolicyData(base: PolicyData, overrides: Partial<PolicyData> | undefined): PolicyData {
  if (!overrides) return base;
  return mergeDeep(base as unknown as Record<string, unknown>, overrides as Record<string, unknown>) as unknown as PolicyData;
}

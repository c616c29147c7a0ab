// The policy contract: the input document the gateway builds, the decision policies.rego returns,
// the data document from config, and the PolicyEngine port. Field names are snake_case because
// they are Rego's vocabulary; README.md in this folder is the operator-facing description.

export type Endpoint = 'chat' | 'completions' | 'embeddings' | 'models' | 'admin' | 'mcp';

export interface PolicyPrincipal {
  /** API key id (never the key itself). */
  id: string;
  name?: string;
  roles: string[];
}

export interface PolicyRoute {
  method: string;
  path: string;
  endpoint: Endpoint;
}

/** The resolved registry entry, reduced to what rules match on. */
export interface PolicyModel {
  name: string;
  version: string;
  aliases: string[];
  tags: string[];
  priority: string;
  upstream: string;
}

export interface PolicyRequest {
  max_tokens?: number;
  stream: boolean;
  estimated_prompt_tokens: number;
  /** Names of the client-declared function tools. */
  tools: string[];
  has_images: boolean;
  /** The truncation strategy the client asked for, if any. */
  truncation?: string;
  /** A priority class the client asked for, if any; the policy can only lower it. */
  priority?: string;
}

/**
 * Facts the gateway computed over text (prompt or tool-call arguments); see facts.ts. In the input
 * only the facts found appear (absent = false): every byte of input is parsed on every evaluation.
 */
export interface ContentFacts {
  has_private_key: boolean;
  has_cloud_credential: boolean;
  has_api_key: boolean;
  has_jwt: boolean;
}

export interface PolicyUsage {
  requests_last_minute: number;
  tokens_today: number;
}

export interface PolicyTime {
  now_ms: number;
  hour_utc: number;
  /** 0 = Sunday … 6 = Saturday (Date#getUTCDay). */
  weekday: number;
}

export interface PolicyToolCall {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
  /** Iteration of the MCP loop (1-based). */
  round?: number;
  content: Partial<ContentFacts>;
}

export interface PolicyInput {
  principal: PolicyPrincipal;
  route: PolicyRoute;
  model?: PolicyModel;
  request?: PolicyRequest;
  content?: Partial<ContentFacts>;
  usage?: PolicyUsage;
  time: PolicyTime;
  /** Present only when the MCP loop asks to execute one tool (or an agent calls Aegis' /mcp). */
  tool_call?: PolicyToolCall;
}

export type SecretCategory = 'private_key' | 'cloud_credential' | 'api_key' | 'jwt';

export interface Obligations {
  /** The max_tokens the upstream request must carry; null when no role sets a cap and none was asked. */
  max_tokens: number | null;
  /** The priority class the scheduler must use. */
  priority: string;
  /** Truncation strategies the context step may use (first is the default); empty = refuse only. */
  truncation: string[];
  tools: { allowed: string[]; removed: string[]; on_disallowed: 'remove' | 'deny' };
  /** MCP servers → tool patterns (exact, "*" or "prefix*") the principal may use. */
  mcp: { servers: Record<string, string[]> };
  log: { rag: boolean; redact: string[] };
  /** The principal's quota limits (null = none), so a quota denial can say when to come back. */
  quotas: QuotaLimits;
}

export interface QuotaLimits {
  requests_per_minute: number | null;
  tokens_per_day: number | null;
}

/**
 * What the `decision` and `tool_decision` rules return: one flat object (cheaper to build, hash and
 * serialise in wasm than nested ones); `toDecision` nests it. A tool decision carries only
 * allow, reasons, mcp_servers and redact.
 */
export interface PolicyOutput {
  allow: boolean;
  reasons: string[];
  max_tokens?: number | null;
  priority?: string;
  truncation?: string[];
  tools_allowed?: string[];
  tools_removed?: string[];
  tools_on_disallowed?: 'remove' | 'deny';
  mcp_servers?: Record<string, string[]>;
  log_rag?: boolean;
  redact?: string[];
  quotas?: Partial<QuotaLimits>;
}

export interface Decision {
  /** Carried by the audit/RAG record and the `x-aegis-decision-id` response header. */
  id: string;
  /** The bundle revision (wasm sha256 prefix) that decided. */
  revision: string;
  allow: boolean;
  /** Why it was denied; on an allow, what the obligations changed (may be empty). */
  reasons: string[];
  obligations: Obligations;
}

/** The PolicyEngine port: synchronous, so a decision never yields the event loop. */
export interface PolicyEngine {
  decide(input: PolicyInput): Decision;
  revision(): string;
}

// Every Prometheus metric Aegis exports, in one registry, plus the /metrics exposition.
// Labels carry only configured names (model, upstream, route), never client-supplied strings.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricDefinition } from './catalogue';

export { metricNames, type MetricDefinition } from './catalogue';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** A collect callback that replaces a metric's values with what `read` reports now. */
function refresh<M extends { reset(): void }>(read: () => Sample[], put: (metric: M, labels: Record<string, string> | undefined, value: number) => void) {
  return function collect(this: M): void {
    this.reset();
    for (const { labels, value } of read()) put(this, labels, value);
  };
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'aegis_requests_total',
    help: 'Requests by route, model and HTTP status.',
    labelNames: ['route', 'model', 'status'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'aegis_request_duration_seconds',
    help: 'Time from request to the end of the response body.',
    labelNames: ['route', 'model'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly ttft = new Histogram({
    name: 'aegis_time_to_first_token_seconds',
    help: 'Time from request to the first streamed token.',
    labelNames: ['model'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly tokens = new Counter({
    name: 'aegis_tokens_total',
    help: 'Tokens processed, by model and kind (prompt|completion).',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'aegis_requests_in_flight',
    help: 'Requests being served, by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({
    name: 'aegis_upstream_errors_total',
    help: 'Failed upstream calls by upstream and error code.',
    labelNames: ['upstream', 'code'] as const,
    registers: [this.registry],
  });
  readonly disconnects = new Counter({
    name: 'aegis_client_disconnects_total',
    help: 'Requests abandoned by the client (recorded as 499).',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'aegis_auth_failures_total',
    help: 'Requests refused for a missing or invalid API key, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly toolCalls = new Counter({
    name: 'aegis_tool_calls_total',
    help: 'Tool calls returned to clients, by model and mode (native|emulated|constrained).',
    labelNames: ['model', 'mode'] as const,
    registers: [this.registry],
  });
  readonly toolParseFailures = new Counter({
    name: 'aegis_tool_call_parse_failures_total',
    help: 'Tool-call attempts that could not be read as a valid call (unknown tool, bad JSON, arguments off schema), by model and mode.',
    labelNames: ['model', 'mode'] as const,
    registers: [this.registry],
  });
  readonly toolRepairs = new Counter({
    name: 'aegis_tool_call_repairs_total',
    help: 'Tool calls accepted after a fix, by kind: parse (JSON repaired, string arguments, types coerced) or retry (a constrained retry).',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });
  readonly toolRetries = new Counter({
    name: 'aegis_tool_call_retries_total',
    help: 'Constrained retries of invalid tool calls, by result (repaired|failed).',
    labelNames: ['model', 'result'] as const,
    registers: [this.registry],
  });
  readonly contextTruncations = new Counter({
    name: 'aegis_context_truncations_total',
    help: 'Chat requests whose prompt was cut to fit the context window, by model and strategy.',
    labelNames: ['model', 'strategy'] as const,
    registers: [this.registry],
  });
  readonly contextDroppedTokens = new Counter({
    name: 'aegis_context_dropped_tokens_total',
    help: 'Prompt tokens removed to fit context windows (dropped turns and shortened messages), by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly contextDroppedMessages = new Counter({
    name: 'aegis_context_dropped_messages_total',
    help: 'Messages left out to fit context windows, by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly contextCuts = new Counter({
    name: 'aegis_context_cuts_total',
    help: 'Cut prompts by whether the conversation reused its remembered cut (reused) or needed a new one (new).',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });
  readonly contextRefusals = new Counter({
    name: 'aegis_context_refusals_total',
    help: 'Chat requests refused with context_length_exceeded, by model.',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  readonly mcpCalls = new Counter({
    name: 'aegis_mcp_tool_calls_total',
    help: 'MCP tool calls of the tool loop by server, tool and outcome (ok, tool_error, denied, timeout, cancelled, error, …).',
    labelNames: ['server', 'tool', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly mcpCallDuration = new Histogram({
    name: 'aegis_mcp_tool_call_duration_seconds',
    help: 'Time from asking policy to the result of one MCP tool call.',
    labelNames: ['server', 'tool'] as const,
    buckets: latencyBuckets,
    registers: [this.registry],
  });
  readonly configReloads = new Counter({
    name: 'aegis_config_reloads_total',
    help: 'Config reloads by result (ok|error).',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor({ defaults = true }: { defaults?: boolean } = {}) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'aegis_' });
  }

  /** A gauge of the catalogue whose value is read when Prometheus scrapes (for subsystem stats). */
  gaugeFrom({ name, help, labels }: MetricDefinition, read: () => Sample[]): void {
    new Gauge({ name, help, labelNames: [...labels], registers: [this.registry], collect: refresh(read, (g, l, v) => (l ? g.set(l, v) : g.set(v))) });
  }

  /** A counter of the catalogue mirrored from a subsystem's own monotonic totals, read at scrape time. */
  counterFrom({ name, help, labels }: MetricDefinition, read: () => Sample[]): void {
    new Counter({ name, help, labelNames: [...labels], registers: [this.registry], collect: refresh(read, (c, l, v) => (l ? c.inc(l, v) : c.inc(v))) });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

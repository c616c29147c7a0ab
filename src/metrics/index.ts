// Every Prometheus metric Aegis exports, in one registry, plus the /metrics exposition.
// Labels carry only configured names (model, upstream, route), never client-supplied strings.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { metricNames, type MetricDefinition } from './catalogue';
import { CounterFamily, GaugeFamily, HistogramFamily } from './cells';
import { ExchangeSeries } from './exchange-series';

export { latencyBuckets, metricNames, processDefaults, type MetricDefinition, type MetricKind } from './catalogue';
export { windowsExporter } from './external';
export { metricsConfigSchema, type MetricsConfig } from './config-schema';
export type { ExchangeSeries, ModelSeries } from './exchange-series';
export type { CounterCell, CounterFamily, GaugeCell, GaugeFamily, HistogramCell, HistogramFamily, Labels } from './cells';

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

type Read = () => Sample[] | Promise<Sample[]>;

/**
 * A collect callback that replaces a metric's values with what `read` reports now. Samples with the
 * same labels add up (two versions of one model name on one upstream are one series).
 */
function refresh<M extends { reset(): void; inc(labels: Record<string, string>, value: number): void; inc(value: number): void }>(read: Read) {
  return async function collect(this: M): Promise<void> {
    const samples = await read();
    this.reset();
    for (const { labels, value } of samples) {
      if (labels) this.inc(labels, value);
      else this.inc(value);
    }
  };
}

export interface MetricsOptions {
  /** prom-client's process and Node series (off in unit tests: they read the real process). */
  defaults?: boolean;
}

export class Metrics {
  readonly registry = new Registry();
  // Per-request families: plain-number cells, rendered at scrape time (cells.ts).
  readonly requests = new CounterFamily(metricNames.requests);
  readonly duration = new HistogramFamily(metricNames.requestDuration);
  readonly ttft = new HistogramFamily(metricNames.timeToFirstToken);
  readonly interTokenLatency = new HistogramFamily(metricNames.interTokenLatency);
  readonly gatewayOverhead = new HistogramFamily(metricNames.gatewayOverhead);
  readonly tokens = new CounterFamily(metricNames.tokens);
  readonly tokensPerSecond = new HistogramFamily(metricNames.tokensPerSecond);
  readonly inFlight = new GaugeFamily(metricNames.requestsInFlight);
  readonly queueWait = new HistogramFamily(metricNames.schedulerQueueWait);
  readonly requestErrors = new CounterFamily(metricNames.requestErrors);
  readonly disconnects = new CounterFamily(metricNames.clientDisconnects);
  private readonly cellFamilies = [
    this.requests,
    this.duration,
    this.ttft,
    this.interTokenLatency,
    this.gatewayOverhead,
    this.tokens,
    this.tokensPerSecond,
    this.inFlight,
    this.queueWait,
    this.requestErrors,
    this.disconnects,
  ];
  // Everything else: prom-client instruments in the registry.
  readonly upstreamErrors = this.counter(metricNames.upstreamErrors);
  readonly refused = this.counter(metricNames.refusedRequests);
  readonly authFailures = this.counter(metricNames.authFailures);
  readonly configReloads = this.counter(metricNames.configReloads);
  // Context fitting and tool calls: only the exchanges that were cut or had tools touch these.
  readonly contextTruncations = this.counter(metricNames.contextTruncations);
  readonly contextDroppedTokens = this.counter(metricNames.contextDroppedTokens);
  readonly contextDroppedMessages = this.counter(metricNames.contextDroppedMessages);
  readonly contextCuts = this.counter(metricNames.contextCuts);
  readonly contextRefusals = this.counter(metricNames.contextRefusals);
  readonly toolCalls = this.counter(metricNames.toolCalls);
  readonly toolParseFailures = this.counter(metricNames.toolParseFailures);
  readonly toolRepairs = this.counter(metricNames.toolRepairs);
  readonly toolRetries = this.counter(metricNames.toolRetries);
  // The MCP tool loop: one series per server, tool and outcome.
  readonly mcpCalls = this.counter(metricNames.mcpCalls);
  readonly mcpCallDuration = this.histogram(metricNames.mcpCallDuration);
  /** Per-principal series: created by `enablePrincipals` (config `metrics.principals`). */
  principalRequests: Counter | undefined;
  principalTokens: Counter | undefined;
  /** Pre-bound children per route and model, so a finished exchange allocates no label objects. */
  readonly series = new ExchangeSeries(this);

  constructor({ defaults = true }: MetricsOptions = {}) {
    if (defaults) collectDefaultMetrics({ register: this.registry, prefix: 'aegis_' });
    // Known outcomes start at zero, so a dashboard shows 0 rather than "no data" before the first.
    for (const result of ['ok', 'error']) this.configReloads.inc({ result }, 0);
    for (const reason of ['missing_api_key', 'invalid_api_key']) this.authFailures.inc({ reason }, 0);
  }

  /** Adds the principal (key id) series; key ids are configured, so the label stays bounded. */
  enablePrincipals(): void {
    this.principalRequests ??= this.counter(metricNames.principalRequests);
    this.principalTokens ??= this.counter(metricNames.principalTokens);
  }

  /** The counter of a catalogue definition (the same one when asked again). */
  counter(def: MetricDefinition): Counter {
    return this.existing(def, Counter) ?? new Counter({ name: def.name, help: def.help, labelNames: [...def.labels], registers: [this.registry] });
  }

  gauge(def: MetricDefinition): Gauge {
    return this.existing(def, Gauge) ?? new Gauge({ name: def.name, help: def.help, labelNames: [...def.labels], registers: [this.registry] });
  }

  histogram(def: MetricDefinition): Histogram {
    return (
      this.existing(def, Histogram) ??
      new Histogram({ name: def.name, help: def.help, labelNames: [...def.labels], buckets: [...(def.buckets ?? [])], registers: [this.registry] })
    );
  }

  /**
   * A gauge of the catalogue whose value is read when Prometheus scrapes (for subsystem stats). A
   * second registration replaces the first: the latest reader (a rebuilt subsystem) is the live one.
   */
  gaugeFrom({ name, help, labels }: MetricDefinition, read: Read): void {
    this.registry.removeSingleMetric(name);
    new Gauge({ name, help, labelNames: [...labels], registers: [this.registry], collect: refresh(read) });
  }

  /** A counter of the catalogue mirrored from a subsystem's own monotonic totals, read at scrape time. */
  counterFrom({ name, help, labels }: MetricDefinition, read: Read): void {
    this.registry.removeSingleMetric(name);
    new Counter({ name, help, labelNames: [...labels], registers: [this.registry], collect: refresh(read) });
  }

  /** The text exposition: the registry's families, then the per-request cells. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    const registered = await this.registry.metrics();
    const cells = this.cellFamilies.map((f) => f.render()).join('\n');
    return { contentType: this.registry.contentType, body: `${registered}\n${cells}` };
  }

  private existing<T>(def: MetricDefinition, type: abstract new (...args: never[]) => T): T | undefined {
    if (this.cellFamilies?.some((f) => f.def.name === def.name)) throw new Error(`metric ${def.name} is a per-request family (cells.ts)`);
    const found = this.registry.getSingleMetric(def.name);
    if (found === undefined) return undefined;
    if (found instanceof type) return found;
    throw new Error(`metric ${def.name} is already registered as another type`);
  }
}

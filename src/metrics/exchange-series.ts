// The per-request series of one route and model, bound once: prom-client hashes a label object on
// every observation, and a finished exchange touches up to ten series. Bound children are reused,
// so the hot path allocates nothing once a model has served its first request.
import type { Counter, Gauge, Histogram } from 'prom-client';

type CounterChild = ReturnType<Counter['labels']>;
type HistogramChild = ReturnType<Histogram['labels']>;
type GaugeChild = ReturnType<Gauge['labels']>;

/** What the series need of `Metrics` (a structural view, so this file does not import the class). */
interface Instruments {
  requests: Counter;
  duration: Histogram;
  ttft: Histogram;
  interTokenLatency: Histogram;
  gatewayOverhead: Histogram;
  tokens: Counter;
  tokensPerSecond: Histogram;
  inFlight: Gauge;
  queueWait: Histogram;
  requestErrors: Counter;
  disconnects: Counter;
}

export class ModelSeries {
  readonly duration: HistogramChild;
  readonly ttft: HistogramChild;
  readonly interTokenLatency: HistogramChild;
  readonly overhead: HistogramChild;
  readonly promptTokens: CounterChild;
  readonly completionTokens: CounterChild;
  readonly tokensPerSecond: HistogramChild;
  readonly inFlight: GaugeChild;
  readonly disconnects: CounterChild;
  private readonly byStatus = new Map<number, CounterChild>();
  private readonly byPriority = new Map<string, HistogramChild>();
  private readonly byCode = new Map<string, CounterChild>();

  constructor(
    private readonly m: Instruments,
    private readonly route: string,
    private readonly model: string,
  ) {
    this.duration = m.duration.labels(route, model);
    this.ttft = m.ttft.labels(model);
    this.interTokenLatency = m.interTokenLatency.labels(model);
    this.overhead = m.gatewayOverhead.labels(route);
    this.promptTokens = m.tokens.labels(model, 'prompt');
    this.completionTokens = m.tokens.labels(model, 'completion');
    this.tokensPerSecond = m.tokensPerSecond.labels(model);
    this.inFlight = m.inFlight.labels(model);
    this.disconnects = m.disconnects.labels(model);
  }

  requests(status: number): CounterChild {
    let c = this.byStatus.get(status);
    if (!c) this.byStatus.set(status, (c = this.m.requests.labels(this.route, this.model, String(status))));
    return c;
  }

  queueWait(priority: string): HistogramChild {
    let h = this.byPriority.get(priority);
    if (!h) this.byPriority.set(priority, (h = this.m.queueWait.labels(this.model, priority)));
    return h;
  }

  errors(code: string): CounterChild {
    let c = this.byCode.get(code);
    if (!c) this.byCode.set(code, (c = this.m.requestErrors.labels(this.route, this.model, code)));
    return c;
  }
}

export class ExchangeSeries {
  /** Route → model → series; two lookups rather than a joined key, which would be a string per call. */
  private readonly byRoute = new Map<string, Map<string, ModelSeries>>();

  constructor(private readonly m: Instruments) {}

  /** The series of `route` and `model`; model names come from the catalog, so the maps stay small. */
  of(route: string, model: string): ModelSeries {
    let models = this.byRoute.get(route);
    if (!models) this.byRoute.set(route, (models = new Map()));
    let s = models.get(model);
    if (!s) models.set(model, (s = new ModelSeries(this.m, route, model)));
    return s;
  }
}

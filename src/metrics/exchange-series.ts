// The per-request series of one route and model, bound once: the cells a finished exchange
// updates are found by two map lookups, and updating them allocates nothing.
import type { CounterCell, CounterFamily, GaugeCell, GaugeFamily, HistogramCell, HistogramFamily } from './cells';

/** The families the series draw their cells from (a structural view of `Metrics`). */
interface Families {
  requests: CounterFamily;
  duration: HistogramFamily;
  ttft: HistogramFamily;
  interTokenLatency: HistogramFamily;
  gatewayOverhead: HistogramFamily;
  tokens: CounterFamily;
  tokensPerSecond: HistogramFamily;
  inFlight: GaugeFamily;
  queueWait: HistogramFamily;
  requestErrors: CounterFamily;
  disconnects: CounterFamily;
}

export class ModelSeries {
  readonly duration: HistogramCell;
  readonly ttft: HistogramCell;
  readonly interTokenLatency: HistogramCell;
  readonly overhead: HistogramCell;
  readonly promptTokens: CounterCell;
  readonly completionTokens: CounterCell;
  readonly tokensPerSecond: HistogramCell;
  readonly inFlight: GaugeCell;
  readonly disconnects: CounterCell;
  private readonly byStatus = new Map<number, CounterCell>();
  private readonly byPriority = new Map<string, HistogramCell>();
  private readonly byCode = new Map<string, CounterCell>();

  constructor(
    private readonly f: Families,
    private readonly route: string,
    private readonly model: string,
  ) {
    this.duration = f.duration.cell(route, model);
    this.ttft = f.ttft.cell(model);
    this.interTokenLatency = f.interTokenLatency.cell(model);
    this.overhead = f.gatewayOverhead.cell(route);
    this.promptTokens = f.tokens.cell(model, 'prompt');
    this.completionTokens = f.tokens.cell(model, 'completion');
    this.tokensPerSecond = f.tokensPerSecond.cell(model);
    this.inFlight = f.inFlight.cell(model);
    this.disconnects = f.disconnects.cell(model);
  }

  requests(status: number): CounterCell {
    let c = this.byStatus.get(status);
    if (!c) this.byStatus.set(status, (c = this.f.requests.cell(this.route, this.model, String(status))));
    return c;
  }

  queueWait(priority: string): HistogramCell {
    let h = this.byPriority.get(priority);
    if (!h) this.byPriority.set(priority, (h = this.f.queueWait.cell(this.model, priority)));
    return h;
  }

  errors(code: string): CounterCell {
    let c = this.byCode.get(code);
    if (!c) this.byCode.set(code, (c = this.f.requestErrors.cell(this.route, this.model, code)));
    return c;
  }
}

export class ExchangeSeries {
  /** Route → model → series; two lookups rather than a joined key, which would be a string per call. */
  private readonly byRoute = new Map<string, Map<string, ModelSeries>>();

  constructor(private readonly f: Families) {}

  /** The series of `route` and `model`; model names come from the catalog, so the maps stay small. */
  of(route: string, model: string): ModelSeries {
    let models = this.byRoute.get(route);
    if (!models) this.byRoute.set(route, (models = new Map()));
    let s = models.get(model);
    if (!s) models.set(model, (s = new ModelSeries(this.f, route, model)));
    return s;
  }
}

// PromQL built from catalogue definitions, never from free text: a panel names a MetricDefinition,
// and every label it filters or groups by must be one the definition declares. A dashboard that
// queried a renamed metric or a label nobody exports fails to generate.
import type { MetricDefinition } from '../../src/metrics';

/** Labels Prometheus adds to every scraped series, and the histogram bucket bound. */
const scrapeLabels = ['job', 'instance'];

/** The dashboard's model filter, applied to every family that has a `model` label. */
export const modelFilter = 'model=~"$model"';

export interface SelectOptions {
  /** Extra matchers, e.g. `{ kind: '="completion"' }`. */
  match?: Record<string, string>;
  /** Leave out the `$model` filter (totals across models). */
  allModels?: boolean;
  /** How series are combined (default `sum`). */
  aggregate?: 'sum' | 'avg' | 'max';
}

function checkLabels(def: MetricDefinition, labels: readonly string[], extra: readonly string[] = []): void {
  for (const l of labels) {
    if (!def.labels.includes(l) && !scrapeLabels.includes(l) && !extra.includes(l)) {
      throw new Error(`${def.name} has no label "${l}" (it has ${def.labels.join(', ') || 'none'})`);
    }
  }
}

function matchers(def: MetricDefinition, { match = {}, allModels = false }: SelectOptions, extra: string[] = []): string {
  checkLabels(def, Object.keys(match), extra);
  const parts = Object.entries(match).map(([k, v]) => `${k}${v}`);
  if (!allModels && def.labels.includes('model')) parts.unshift(modelFilter);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

const by = (def: MetricDefinition, labels: readonly string[], extra: string[] = []) => {
  checkLabels(def, labels, extra);
  return labels.length > 0 ? ` by (${labels.join(', ')})` : '';
};

function expectKind(def: MetricDefinition, ...kinds: MetricDefinition['kind'][]): void {
  if (!kinds.includes(def.kind)) throw new Error(`${def.name} is a ${def.kind}, not a ${kinds.join(' or ')}`);
}

/** The series of a gauge (or a counter's raw value), summed by `group`. */
export function sum(def: MetricDefinition, group: readonly string[] = [], options: SelectOptions = {}): string {
  expectKind(def, 'gauge', 'counter');
  return `${options.aggregate ?? 'sum'}${by(def, group)} (${def.name}${matchers(def, options)})`;
}

/** Per-second rate of a counter, summed by `group`. */
export function rate(def: MetricDefinition, group: readonly string[] = [], options: SelectOptions = {}): string {
  expectKind(def, 'counter');
  return `${options.aggregate ?? 'sum'}${by(def, group)} (rate(${def.name}${matchers(def, options)}[$__rate_interval]))`;
}

/** How much a counter grew over the dashboard's time range, summed by `group`. */
export function increase(def: MetricDefinition, group: readonly string[] = [], options: SelectOptions = {}): string {
  expectKind(def, 'counter');
  return `sum${by(def, group)} (increase(${def.name}${matchers(def, options)}[$__range]))`;
}

/** The `q` quantile of a histogram, by `group`. */
export function quantile(q: number, def: MetricDefinition, group: readonly string[] = [], options: SelectOptions = {}): string {
  expectKind(def, 'histogram');
  return `histogram_quantile(${q}, sum${by(def, ['le', ...group], ['le'])} (rate(${def.name}_bucket${matchers(def, options)}[$__rate_interval])))`;
}

/** The mean of a histogram's observations, by `group`. */
export function mean(def: MetricDefinition, group: readonly string[] = [], options: SelectOptions = {}): string {
  expectKind(def, 'histogram');
  const m = matchers(def, options);
  const g = by(def, group);
  return `sum${g} (rate(${def.name}_sum${m}[$__rate_interval])) / sum${g} (rate(${def.name}_count${m}[$__rate_interval]))`;
}

/** Observations per second of a histogram (how many requests it measured), by `group`. */
export function observations(def: MetricDefinition, group: readonly string[] = [], options: SelectOptions = {}): string {
  expectKind(def, 'histogram');
  return `sum${by(def, group)} (rate(${def.name}_count${matchers(def, options)}[$__rate_interval]))`;
}

/** Every metric identifier in an expression (histogram series keep their suffix). */
export function identifiersIn(expr: string): string[] {
  return [...new Set(expr.match(/(?<![$\w])(?:aegis|windows)_[a-z0-9_]+/g) ?? [])];
}

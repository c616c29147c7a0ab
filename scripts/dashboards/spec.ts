// The dashboard as data: a row of panels, each with its PromQL targets, and the helpers the row
// files share. build.ts turns the rows into Grafana JSON with the foundation SDK.
import { quantile } from './promql';

export interface TargetSpec {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  /** Grafana unit id: reqps, s, bytes, percentunit, short, ops, … */
  unit: string;
  kind?: 'timeseries' | 'stat';
  targets: TargetSpec[];
  /** Grid columns out of 24 (default 8). */
  width?: number;
  stack?: boolean;
}

export interface RowSpec {
  title: string;
  /** Collapsed rows keep their panels inside the row (Grafana's JSON model). */
  collapsed?: boolean;
  panels: PanelSpec[];
}

export const t = (expr: string, legend: string): TargetSpec => ({ expr, legend });
export const quantiles = (def: Parameters<typeof quantile>[1], group: string[] = [], qs = [0.5, 0.95, 0.99]) =>
  qs.map((q) => t(quantile(q, def, group), `p${q * 100}${group.map((g) => ` {{${g}}}`).join('')}`));

/** The windows_exporter job(s) chosen in the `windows_job` variable. */
export const WIN = { job: '=~"$windows_job"' };

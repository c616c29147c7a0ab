// Reads the generated Grafana dashboard: its panels (collapsed rows keep theirs inside) and the
// PromQL of every target.

export interface DashboardPanel {
  type: string;
  title: string;
  collapsed?: boolean;
  panels?: DashboardPanel[];
  targets?: { expr: string; legendFormat?: string }[];
}

export interface DashboardJson {
  schemaVersion: number;
  templating: { list: { name: string; query?: unknown }[] };
  panels: DashboardPanel[];
}

export function dashboardPanels(d: DashboardJson): DashboardPanel[] {
  return d.panels.flatMap((p) => (p.type === 'row' ? (p.panels ?? []) : [p]));
}

export function dashboardExpressions(d: DashboardJson): string[] {
  return dashboardPanels(d).flatMap((p) => (p.targets ?? []).map((t) => t.expr));
}

/** An expression as Grafana sends it, with the dashboard's variables filled in. */
export function expand(expr: string, vars: { rateInterval?: string; range?: string } = {}): string {
  return expr
    .replaceAll('$__rate_interval', vars.rateInterval ?? '1m')
    .replaceAll('$__range', vars.range ?? '1h')
    .replaceAll('$model', '.*')
    .replaceAll('$windows_job', '.*');
}

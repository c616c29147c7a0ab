// Markdown helpers for the results file: tables and number formatting that show "–" for missing.

export function table(headers: string[], rows: (string | number)[][], align?: ('l' | 'r')[]): string {
  const a = align ?? headers.map((_, i) => (i === 0 ? 'l' : 'r'));
  const sep = a.map((x) => (x === 'r' ? '---:' : '---'));
  const line = (cells: (string | number)[]) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ')).join(' | ')} |`;
  return [line(headers), line(sep), ...rows.map(line)].join('\n');
}

export function n(value: number | undefined, digits = 0): string {
  return value !== undefined && Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** Two figures of one cell, e.g. p50 / p99: "0.213 / 1.870". */
export function pair(a: number | undefined, b: number | undefined, digits = 0): string {
  return `${n(a, digits)} / ${n(b, digits)}`;
}

/** A signed difference, e.g. "+0.213". */
export function signed(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return '–';
  return `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`;
}

export function ratio(a: number, b: number, digits = 2): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(digits)}×` : '–';
}

/** Long names cut (profiled regular expressions appear as "RegExp: <source>", a screenful). */
export function short(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

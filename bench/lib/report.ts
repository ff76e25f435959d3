/** One line of the results table: a figure of orderstream, and the same-run baseline it is held against. */
export type Row = {
  scenario: string;
  figure: string;
  unit: string;
  value: number;
  baseline?: { name: string; value: number };
  /** value / baseline, or baseline / value when lower is better. */
  ratio?: number;
  /** e.g. "≥ 0.6", "≤ 2 (p99)"; absent for figures shown for information. */
  goal?: string;
  met?: boolean;
  note?: string;
};

/** A row against a baseline, where `higherIsBetter` says which way the ratio reads. */
export function compare(
  row: Omit<Row, 'ratio' | 'met' | 'baseline' | 'goal'>,
  baseline: { name: string; value: number } | undefined,
  goal?: { min?: number; max?: number },
): Row {
  if (!baseline) return row;
  const ratio = round(row.value / baseline.value, 3);
  const met = goal ? (goal.min === undefined || ratio >= goal.min) && (goal.max === undefined || ratio <= goal.max) : undefined;
  const goalText = goal
    ? [goal.min !== undefined && `≥ ${goal.min}`, goal.max !== undefined && `≤ ${goal.max}`].filter(Boolean).join(', ')
    : undefined;
  return { ...row, baseline, ratio, ...(goalText && { goal: goalText, met }) };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The q-quantile (0–1) by nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export const fmt = (value: number) =>
  Number.isInteger(value) || Math.abs(value) >= 100
    ? Math.round(value).toLocaleString('en-US')
    : value.toLocaleString('en-US', { maximumFractionDigits: 2 });

/** The table as Markdown: what `npm run bench` prints and what docs/performance.md shows. */
export function markdownTable(rows: readonly Row[]): string {
  const header = ['#', 'figure', 'orderstream', 'baseline (same run)', 'ratio', 'goal', 'met?'];
  const lines = rows.map((row) => [
    row.scenario,
    row.figure,
    `${fmt(row.value)} ${row.unit}`,
    row.baseline ? `${fmt(row.baseline.value)} ${row.unit} (${row.baseline.name})` : '',
    row.ratio === undefined ? '' : row.ratio.toFixed(2),
    row.goal ?? '',
    row.met === undefined ? '' : row.met ? 'yes' : '**no**',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [format(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...lines.map(format)].join('\n');
}

export const log = (line: string) => console.log(line);

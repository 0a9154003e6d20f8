/**
 * The results table, for run.ts and for a results file: `npx tsx bench/table.ts <file.json>`
 * prints the table of a run written earlier (also one cut short).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Figure } from './support.js';

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = unit === 'ms' || unit === '' || Math.abs(value) >= 100 ? 0 : 1;
  return `${value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })}${unit && unit !== '' ? ` ${unit}` : ''}`;
}

/** Two decimals, or two significant digits for a ratio below 0.1 (0.0037, not 0.00). */
const formatRatio = (ratio: number) =>
  Math.abs(ratio) >= 0.1 || ratio === 0 ? ratio.toFixed(2) : ratio.toPrecision(2);

export function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.scenario,
    f.name,
    format(f.value, f.unit),
    f.baseline ? `${format(f.baseline.value, f.unit)} (${f.baseline.name})` : '',
    f.ratio !== undefined ? formatRatio(f.ratio) : '',
  ]);
  const header = ['scenario', 'figure', 'value', 'baseline, same run', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npx tsx bench/table.ts bench/results/<file>.json');
    process.exit(2);
  }
  const run = JSON.parse(await readFile(file, 'utf8')) as {
    figures: Figure[];
    failures?: Array<{ scenario: string }>;
    finished?: boolean;
    mode: string;
    durationS: number;
  };
  console.log(table(run.figures));
  for (const f of run.figures.filter((f) => f.note)) console.log(`- ${f.scenario}, ${f.name}: ${f.note}`);
  console.log(
    `${run.mode} run, ${run.durationS} s${run.finished === false ? ', cut short' : ''}${run.failures?.length ? `; failed: ${run.failures.map((f) => f.scenario).join(', ')}` : ''}`,
  );
}

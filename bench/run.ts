// Runs the benchmarks named on the command line (all when none) and prints a summary table with
// each figure beside its target from issue #4. Started by `npm run bench` (scripts/bench.mjs),
// which provides Temporal, PostgreSQL, the workflow bundle and Chromium through TEST_* variables.
// The results are also written as JSON to the system's temp folder (never into the repository).
import { writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { filing } from './filing';
import { uploads } from './uploads';
import { cargo, constancias } from './render';
import { casilla } from './casilla';
import { trays } from './trays';
import { fmt, targetText, valueText, verdict, type Figure } from './lib';

const BENCHES: Record<string, () => Promise<Figure[]>> = { filing, uploads, cargo, constancias, trays, casilla };

const asked = process.argv.slice(2);
const unknown = asked.filter((n) => !Object.hasOwn(BENCHES, n));
if (unknown.length) {
  console.error(`Benchmark desconocido: ${unknown.join(', ')}. Disponibles: ${Object.keys(BENCHES).join(', ')}.`);
  process.exit(2);
}
const names = asked.length ? Object.keys(BENCHES).filter((n) => asked.includes(n)) : Object.keys(BENCHES);

// The figures depend on the machine and on what else runs on it: say so next to them.
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');
const loads: Record<string, string> = {};
console.log(`Máquina: ${availableParallelism()} CPU; carga media (1/5/15 min) al empezar: ${load()}`);

const figures: Figure[] = [];
const failures: { bench: string; error: string }[] = [];
const durations: Record<string, number> = {};
for (const name of names) {
  console.log(`\n=== ${name} ===`);
  const before = loadavg()[0];
  const t0 = performance.now();
  try {
    figures.push(...(await BENCHES[name]()));
  } catch (err) {
    failures.push({ bench: name, error: (err as Error).stack ?? String(err) });
    console.error(`[bench:${name}] falló: ${(err as Error).stack ?? err}`);
  }
  durations[name] = performance.now() - t0;
  loads[name] = `${before.toFixed(1)} → ${loadavg()[0].toFixed(1)}`;
  console.log(`[bench:${name}] duración ${fmt(durations[name] / 1000, 1)} s; carga media (1 min) ${loads[name]}`);
}

function table(rows: string[][]) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length)).join(' | ')} |`;
  const sep = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(rows[0]), sep, ...rows.slice(1).map(line)].join('\n');
}

console.log('\n=== Resumen (objetivos del issue #4) ===');
const rows = [['benchmark', 'medida', 'valor', 'objetivo', 'resultado', 'nota']];
for (const f of figures) rows.push([f.bench, f.metric, valueText(f), targetText(f), verdict(f), f.note ?? '']);
for (const f of failures) rows.push([f.bench, '(no terminó)', '', '', 'ERROR', f.error.split('\n')[0].slice(0, 80)]);
console.log(table(rows));
console.log(
  `\n${availableParallelism()} CPU; carga media de 1 min al empezar → al terminar cada benchmark: ` +
    Object.entries(loads)
      .map(([n, l]) => `${n} ${l}`)
      .join('; ') +
    '. Con carga por encima del número de CPU, las cifras dependen de lo demás que corre en la máquina.',
);
const misses = figures.filter((f) => verdict(f) === 'MISS').length;
const passed = figures.filter((f) => verdict(f) === 'PASS').length;
console.log(`\n${passed} PASS, ${misses} MISS${failures.length ? `, ${failures.length} con error` : ''}.`);

const out = join(tmpdir(), 'mpv-bench-latest.json');
try {
  writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), cpus: availableParallelism(), loads, durationsMs: durations, figures, failures }, null, 2));
  console.log(`Resultados en JSON: ${out}`);
} catch {}

// A missed target is a figure to report, not a failed run; a benchmark that crashed is.
process.exit(failures.length ? 1 : 0);

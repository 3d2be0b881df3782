// Shared pieces of the benchmarks (`npm run bench`): results, statistics, test PDFs and a
// bounded HTTP load generator. Benchmarks print figures only; nothing here is part of `npm test`.
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { PDFDocument, PDFHexString, PDFName, PDFString, StandardFonts } from 'pdf-lib';

/** One figure of a benchmark, compared with its target from issue #4. */
export interface Figure {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  /** 'min': the value must be at least `target`; 'max': at most. No target: informative only. */
  kind?: 'min' | 'max';
  target?: number;
  /** Extra context for the summary (not compared). */
  note?: string;
}

/** PASS / MISS against the target; '—' for a figure without one. */
export function verdict(f: Figure) {
  if (f.target === undefined || f.kind === undefined) return '—';
  if (!Number.isFinite(f.value)) return 'MISS';
  return (f.kind === 'min' ? f.value >= f.target : f.value <= f.target) ? 'PASS' : 'MISS';
}

export function targetText(f: Figure) {
  if (f.target === undefined || f.kind === undefined) return '';
  return `${f.kind === 'min' ? '≥' : '≤'} ${fmt(f.target, 2)} ${f.unit}`;
}

export function fmt(n: number, digits = 1) {
  if (!Number.isFinite(n)) return String(n);
  return n.toFixed(Math.abs(n) >= 100 ? 0 : digits);
}

export const valueText = (f: Figure) => `${fmt(f.value, 2)} ${f.unit}`;

export function log(bench: string, msg: string) {
  process.stdout.write(`[bench:${bench}] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Statistics

export function percentile(values: number[], p: number) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest-rank: the smallest value with at least p% of the samples at or below it.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const median = (values: number[]) => percentile(values, 50);

export function summary(values: number[]) {
  return {
    n: values.length,
    min: Math.min(...values),
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: Math.max(...values),
  };
}

export function describeLatencies(values: number[]) {
  const s = summary(values);
  return `n=${s.n} min=${fmt(s.min)} p50=${fmt(s.p50)} p95=${fmt(s.p95)} p99=${fmt(s.p99)} max=${fmt(s.max)} ms`;
}

// ---------------------------------------------------------------------------------------------
// PDFs

/**
 * A real PDF of about `bytes` bytes: one page with text, plus an uncompressed embedded file of
 * random bytes (an EmbeddedFile stream in the catalog's name tree). It is recognised as PDF by
 * content and pdf-lib reads its page count; random bytes keep every layer from compressing it.
 */
export async function bulkyPdf(bytes: number, text = 'Documento de prueba de rendimiento'): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  doc.addPage([595.28, 841.89]).drawText(text, { x: 50, y: 780, size: 14, font });
  const overhead = (await doc.save({ useObjectStreams: false })).length + 600;
  const payload = randomBytes(Math.max(1024, bytes - overhead));
  const ctx = doc.context;
  const file = ctx.register(ctx.stream(payload, { Type: 'EmbeddedFile', Subtype: 'application/octet-stream' }));
  const spec = ctx.register(
    ctx.obj({ Type: 'Filespec', F: PDFString.of('datos.bin'), UF: PDFHexString.fromText('datos.bin'), EF: { F: file } }),
  );
  doc.catalog.set(PDFName.of('Names'), ctx.obj({ EmbeddedFiles: { Names: [PDFString.of('datos.bin'), spec] } }));
  const out = await doc.save({ useObjectStreams: false });
  // Check it the way the upload does: pdf-lib must count its pages.
  const check = await PDFDocument.load(out, { updateMetadata: false });
  if (check.getPageCount() !== 1) throw new Error('bulkyPdf: el PDF generado no se lee');
  return out;
}

// ---------------------------------------------------------------------------------------------
// HTTP load, from a worker thread: the client's own work (building 1 MB multipart bodies, reading
// responses) runs on another event loop than the server under test, the same way for every target.

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  fields: Record<string, string>;
  file: { field: string; name: string; type: string; data: Uint8Array };
  concurrency: number;
  warmup: number;
  count: number;
  /** Hard stop for the timed phase. */
  timeoutMs: number;
  /** Adds a distinct Idempotency-Key to each request. */
  idempotencyKeys?: boolean;
  expectStatus: number;
}

export interface LoadResult {
  latencies: number[];
  elapsedMs: number;
  ok: number;
  failed: number;
  statuses: Record<string, number>;
  firstError?: string;
  timedOut: boolean;
}

const LOAD_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
const s = workerData;
const blob = new Blob([s.file.data], { type: s.file.type });
async function one() {
  const form = new FormData();
  for (const [k, v] of Object.entries(s.fields)) form.append(k, v);
  form.append(s.file.field, blob, s.file.name);
  const headers = { ...s.headers };
  if (s.idempotencyKeys) headers['idempotency-key'] = 'bench-' + randomUUID();
  const t0 = performance.now();
  try {
    const res = await fetch(s.url, { method: 'POST', headers, body: form });
    const text = await res.text();
    const ms = performance.now() - t0;
    return { ms, status: String(res.status), ok: res.status === s.expectStatus, body: text.slice(0, 300) };
  } catch (err) {
    return { ms: performance.now() - t0, status: 'error', ok: false, body: String(err && err.cause ? err.cause : err) };
  }
}
async function phase(count, deadline) {
  const out = [];
  let next = 0;
  async function lane() {
    while (next < count && performance.now() < deadline) {
      next++;
      out.push(await one());
    }
  }
  await Promise.all(Array.from({ length: Math.min(s.concurrency, count) }, lane));
  return out;
}
(async () => {
  await phase(s.warmup, performance.now() + Math.min(s.timeoutMs, 60000));
  // The caller may let what the warm-up caused settle before the timed phase.
  parentPort.postMessage({ warm: true });
  await new Promise((r) => parentPort.once('message', r));
  const t0 = performance.now();
  const deadline = t0 + s.timeoutMs;
  const results = await phase(s.count, deadline);
  const elapsedMs = performance.now() - t0;
  const statuses = {};
  let firstError;
  for (const r of results) {
    statuses[r.status] = (statuses[r.status] || 0) + 1;
    if (!r.ok && firstError === undefined) firstError = r.status + ' ' + r.body;
  }
  const ok = results.filter((r) => r.ok);
  parentPort.postMessage({
    latencies: ok.map((r) => r.ms),
    elapsedMs,
    ok: ok.length,
    failed: results.length - ok.length,
    statuses,
    firstError,
    timedOut: results.length < s.count,
  });
})().catch((err) => parentPort.postMessage({ fatal: String(err && err.stack ? err.stack : err) }));
`;

/**
 * Runs `warmup` then `count` multipart POSTs, `concurrency` at a time, from a worker thread;
 * `afterWarmup` runs between the two (to wait until the warm-up's own work is done).
 */
export function runLoad(spec: LoadSpec, afterWarmup?: () => Promise<void>): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // eval'd as CommonJS; execArgv cleared so the thread does not load tsx for nothing.
    const worker = new Worker(LOAD_WORKER, { eval: true, workerData: spec, execArgv: [] });
    let settled = false;
    worker.on('message', (msg: LoadResult | { fatal: string } | { warm: true }) => {
      if ('warm' in msg) {
        void (afterWarmup?.() ?? Promise.resolve()).then(
          () => worker.postMessage('go'),
          (err) => {
            settled = true;
            void worker.terminate();
            reject(err);
          },
        );
        return;
      }
      settled = true;
      void worker.terminate();
      if ('fatal' in msg) reject(new Error(`generador de carga: ${msg.fatal}`));
      else resolve(msg);
    });
    worker.once('error', (err) => {
      settled = true;
      reject(err);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`el generador de carga terminó (código ${code}) sin resultados`));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

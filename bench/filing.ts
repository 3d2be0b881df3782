// `filing`: POST /api/v1/expedientes with a 1 MB PDF at 16 concurrent clients through the whole
// stack (startStack: Koa app + Temporal + PostgreSQL + worker with Chromium), compared with a
// bare Koa app that streams the same upload to disk and inserts one row in the same PostgreSQL.
// Targets (issue #4): throughput ≥ 0.5 × baseline, p95 ≤ 300 ms.
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import busboy from 'busboy';
import Koa from 'koa';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { createDb } from '../lib/db';
import { adminUrl, startStack, urlForDb } from '../test/helpers/stack';
import { loginAs } from '../test/helpers/http';
import { bulkyPdf, describeLatencies, fmt, log, percentile, runLoad, type Figure, type LoadResult, type LoadSpec } from './lib';

const CONCURRENCY = 16;
const WARMUP = 20;
const COUNT = 400;
const PDF_BYTES = 1024 * 1024;
const TIMEOUT_MS = 120_000;

const FIELDS = {
  tipoDocumento: 'SOLICITUD',
  numeroDocumento: 'S/N',
  asunto: 'Solicito copia certificada de resolución (prueba de rendimiento)',
  contenido: 'Prueba de rendimiento de la mesa de partes.',
  aceptaPrivacidad: 'true',
};

// The in-process worker's log lines (the SDK's own and the native core's) are counted, not
// printed: under load they are mostly activity time-outs, and their count is what matters.
const workerLogs = new Map<string, number>();
function countWorkerLogs() {
  try {
    Runtime.install({
      logger: new DefaultLogger('WARN', (e: LogEntry) => {
        const err = (e.meta as { error?: { message?: string } } | undefined)?.error?.message;
        const key = `${e.level} ${e.message.replace(/TaskToken\([^)]*\)/g, 'TaskToken(…)').slice(0, 120)}${err ? ` — ${err.slice(0, 100)}` : ''}`;
        workerLogs.set(key, (workerLogs.get(key) ?? 0) + 1);
      }),
      telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
    });
  } catch {
    // A runtime already exists (the benchmark ran before in this process): keep it.
  }
}

/** Event-loop delay and process CPU (all threads) over a phase. */
function probe() {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return () => {
    eld.disable();
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    return `carga media de la máquina ${fmt(loadavg()[0])}; CPU de este proceso ${fmt(((cpu.user + cpu.system) / 1000 / wall) * 100, 0)} % de un núcleo; retraso del event loop p50=${fmt(eld.percentile(50) / 1e6)} p99=${fmt(eld.percentile(99) / 1e6)} máx=${fmt(eld.max / 1e6)} ms`;
  };
}

/** The reference: Koa, busboy streaming each file to disk, one INSERT, 201. */
async function startBaseline() {
  const name = `bench_base_${randomBytes(4).toString('hex')}`;
  const admin = createDb(adminUrl(), { min: 0, max: 1 });
  await admin.raw(`create database ${name}`);
  await admin.destroy();
  const db = createDb(urlForDb(name));
  await db.schema.createTable('filings', (t) => {
    t.bigIncrements('id');
    t.text('asunto').notNullable();
    t.text('archivo').notNullable();
    t.bigInteger('bytes').notNullable();
    t.timestamp('creado_en', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
  const dir = await mkdtemp(join(tmpdir(), 'mpv-bench-base-'));

  const app = new Koa();
  app.use(async (ctx) => {
    if (ctx.method !== 'POST' || ctx.path !== '/upload') {
      ctx.status = 404;
      return;
    }
    const fields: Record<string, string> = {};
    const files: { path: string; bytes: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const bb = busboy({ headers: ctx.req.headers });
      const writes: Promise<void>[] = [];
      bb.on('field', (k, v) => (fields[k] = v));
      bb.on('file', (_field, file) => {
        const path = join(dir, `${randomBytes(12).toString('hex')}.bin`);
        const entry = { path, bytes: 0 };
        files.push(entry);
        file.on('data', (c: Buffer) => (entry.bytes += c.length));
        writes.push(pipeline(file, createWriteStream(path)));
      });
      bb.on('error', reject);
      bb.on('close', () => Promise.all(writes).then(() => resolve(), reject));
      ctx.req.pipe(bb);
    });
    const [row] = await db('filings')
      .insert({ asunto: fields.asunto ?? '', archivo: files[0]?.path ?? '', bytes: files[0]?.bytes ?? 0 })
      .returning('id');
    ctx.status = 201;
    ctx.body = { id: row.id };
  });
  const server: Server = await new Promise((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`,
    async close() {
      await new Promise((r) => server.close(r));
      await db.destroy();
      const a = createDb(adminUrl(), { min: 0, max: 1 });
      await a.raw(`drop database if exists ${name} with (force)`);
      await a.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function report(label: string, r: LoadResult) {
  const rps = (r.ok / r.elapsedMs) * 1000;
  log('filing', `${label}: ${r.ok} ok, ${r.failed} fallidas en ${fmt(r.elapsedMs / 1000, 2)} s → ${fmt(rps, 2)} req/s; ${describeLatencies(r.latencies)}`);
  log('filing', `${label}: respuestas ${JSON.stringify(r.statuses)}${r.timedOut ? ' (se cortó por tiempo)' : ''}`);
  if (r.firstError) log('filing', `${label}: primer error: ${r.firstError}`);
  return rps;
}

export async function filing(): Promise<Figure[]> {
  const pdf = await bulkyPdf(PDF_BYTES);
  log('filing', `PDF de ${fmt(pdf.length / 1024 / 1024, 2)} MB; ${CONCURRENCY} clientes, ${WARMUP} de calentamiento + ${COUNT} medidas`);
  const base: Omit<LoadSpec, 'url' | 'headers' | 'expectStatus'> = {
    fields: FIELDS,
    file: { field: 'principal', name: 'solicitud.pdf', type: 'application/pdf', data: pdf },
    concurrency: CONCURRENCY,
    warmup: WARMUP,
    count: COUNT,
    timeoutMs: TIMEOUT_MS,
  };

  // Baseline first, while nothing else runs in this process.
  const baseline = await startBaseline();
  let baseRes: LoadResult;
  try {
    const done = probe();
    baseRes = await runLoad({ ...base, url: baseline.url, headers: {}, expectStatus: 201 });
    log('filing', `  durante la carga: ${done()}`);
  } finally {
    await baseline.close();
  }
  const baseRps = report('línea base (Koa + busboy → disco + 1 INSERT)', baseRes);

  // The app as measured by the targets: the whole stack, worker included, as startStack builds it.
  // Then the same app without a worker in the process, to tell the request path from the work the
  // worker does for every filing (workflow, cargo PDF in Chromium, mail) on the same CPUs.
  const runApp = async (worker: boolean) => {
    log('filing', `levantando el stack${worker ? ' (worker con Chromium en el mismo proceso)' : ' sin worker'}…`);
    const stack = await startStack({}, { worker });
    try {
      const c = await loginAs(stack.base, 'ciudadano@demo.pe');
      const done = probe();
      const res = await runLoad({
        ...base,
        url: `${stack.base}/api/v1/expedientes`,
        headers: { accept: 'application/json', cookie: c.cookie, 'x-csrf-token': c.csrf },
        idempotencyKeys: true,
        expectStatus: 201,
      });
      log('filing', `  durante la carga: ${done()}`);
      const [{ total, cargos }] = await stack.db('expedientes').select(stack.db.raw('count(*)::int as total'), stack.db.raw('count(cargo_key)::int as cargos'));
      log('filing', `  expedientes registrados: ${total}${worker ? `; con cargo PDF ya emitido al terminar la carga: ${cargos}` : ''}`);
      return res;
    } finally {
      await stack.close();
    }
  };

  countWorkerLogs();
  const appRes = await runApp(true);
  const appRps = report('POST /api/v1/expedientes', appRes);
  if (workerLogs.size) {
    log('filing', 'avisos del worker durante la prueba (veces · mensaje):');
    for (const [msg, n] of [...workerLogs].sort((a, b) => b[1] - a[1]).slice(0, 6)) log('filing', `  ${String(n).padStart(5)} · ${msg}`);
  }
  const bareRes = await runApp(false);
  const bareRps = report('POST /api/v1/expedientes sin worker en el proceso', bareRes);

  const complete = (r: LoadResult) => (r.failed === 0 && !r.timedOut ? undefined : `${r.failed} fallidas${r.timedOut ? ', cortado por tiempo' : ''}`);
  return [
    { bench: 'filing', metric: 'línea base: throughput', value: baseRps, unit: 'req/s', note: complete(baseRes) },
    { bench: 'filing', metric: 'línea base: latencia p95', value: percentile(baseRes.latencies, 95), unit: 'ms' },
    { bench: 'filing', metric: 'throughput', value: appRps, unit: 'req/s', note: complete(appRes) },
    { bench: 'filing', metric: 'throughput / línea base', value: baseRps > 0 ? appRps / baseRps : 0, unit: '×', kind: 'min', target: 0.5 },
    { bench: 'filing', metric: 'latencia p50', value: percentile(appRes.latencies, 50), unit: 'ms' },
    { bench: 'filing', metric: 'latencia p95', value: percentile(appRes.latencies, 95), unit: 'ms', kind: 'max', target: 300 },
    { bench: 'filing', metric: 'sin worker: throughput / base', value: baseRps > 0 ? bareRps / baseRps : 0, unit: '×', note: `${fmt(bareRps, 2)} req/s; informativo${complete(bareRes) ? `; ${complete(bareRes)}` : ''}` },
    { bench: 'filing', metric: 'sin worker: latencia p95', value: percentile(bareRes.latencies, 95), unit: 'ms', note: 'informativo' },
  ];
}

// `filing`: POST /api/v1/expedientes with a 1 MB PDF at 16 concurrent clients through the whole
// stack (startStack: Koa app + Temporal + PostgreSQL + worker with Chromium), compared with a
// bare Koa app that streams the same upload to disk and inserts one row in the same PostgreSQL.
// Targets (issue #4): throughput ≥ 0.5 × baseline, p95 ≤ 300 ms.
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
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
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDb } from '../lib/db';
import { adminUrl, pdfChromium, required, startStack, urlForDb } from '../test/helpers/stack';
import { loginAs } from '../test/helpers/http';
import { bulkyPdf, describeLatencies, fmt, log, percentile, runLoad, sleep, type Figure, type LoadResult, type LoadSpec } from './lib';

const CONCURRENCY = 16;
const WARMUP = 100;
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

/** CPU time so far (ms) of every process on the machine, grouped by program; undefined off Linux. */
function cpuByProgram(): Map<string, number> | undefined {
  try {
    const hz = 100; // USER_HZ on Linux
    const out = new Map<string, number>();
    for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime, stime, cutime, cstime: fields 14-17 of /proc/[pid]/stat.
      const ms = ((Number(f[11]) + Number(f[12])) * 1000) / hz;
      const name = Number(pid) === process.pid ? 'este proceso' : /^chrom/.test(comm) ? 'chromium' : /^(node|postgres|temporal)$/.test(comm) ? comm : 'otros';
      out.set(name, (out.get(name) ?? 0) + ms);
    }
    return out;
  } catch {
    return undefined;
  }
}

/** Event-loop delay, process CPU (all threads) and the machine's CPU by program over a phase. */
function probe() {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  const cpu0 = process.cpuUsage();
  const byProgram0 = cpuByProgram();
  const t0 = performance.now();
  return (requests: number) => {
    eld.disable();
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    const byProgram1 = cpuByProgram();
    let perRequest = '';
    if (byProgram0 && byProgram1) {
      const parts = [...byProgram1].map(([k, v]) => [k, (v - (byProgram0.get(k) ?? 0)) / requests] as const).filter(([, v]) => v >= 0.05);
      const total = parts.reduce((a, [, v]) => a + v, 0);
      perRequest = `; CPU por petición ${fmt(total, 1)} ms (${parts.sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${fmt(v, 1)}`).join(', ')})`;
    }
    return `carga media de la máquina ${fmt(loadavg()[0])}; CPU de este proceso ${fmt(((cpu.user + cpu.system) / 1000 / wall) * 100, 0)} % de un núcleo${perRequest}; retraso del event loop p50=${fmt(eld.percentile(50) / 1e6)} p99=${fmt(eld.percentile(99) / 1e6)} máx=${fmt(eld.max / 1e6)} ms`;
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
      bb.on('close', () => void Promise.all(writes).then(() => resolve(), reject));
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
    let done = probe();
    baseRes = await runLoad({ ...base, url: baseline.url, headers: {}, expectStatus: 201 }, async () => {
      done = probe();
    });
    log('filing', `  durante la carga: ${done(baseRes.ok)}`);
  } finally {
    await baseline.close();
  }
  const baseRps = report('línea base (Koa + busboy → disco + 1 INSERT)', baseRes);

  // The app as deployed: the web app (here, in this process) and the worker in its own process
  // (bin/worker.ts, with its Chromium, at the priority WORKER_PRIORIDAD gives it), both on this
  // machine's CPUs with Temporal and PostgreSQL. Then the same app with no worker at all, to tell
  // the request path from the work the worker does for every filing (workflow, cargo, mail).
  const runApp = async (worker: boolean) => {
    log('filing', `levantando el stack${worker ? ' (worker en su propio proceso, con Chromium)' : ' sin worker'}…`);
    // As deployed: the default INICIO_DIFERIDO_DESDE (tests turn deferred starts off).
    const stack = await startStack({ INICIO_DIFERIDO_DESDE: process.env.INICIO_DIFERIDO_DESDE ?? '' }, { worker: false });
    const child = worker ? await startWorkerProcess(stack) : undefined;
    try {
      const c = await loginAs(stack.base, 'ciudadano@demo.pe');
      const counts = async () =>
        (
          await stack.db('expedientes').select(
            stack.db.raw('count(*)::int as total'),
            stack.db.raw('count(cargo_key)::int as cargos'),
            stack.db.raw('count(workflow_iniciado_en)::int as iniciados'),
          )
        )[0] as { total: number; cargos: number; iniciados: number };
      const unsentMail = async () => Number((await stack.db('correos').whereNull('enviado_en').count<{ n: number }[]>('* as n'))[0].n);
      // The warm-up's cases run to their cargo and its mail (or, with no worker, to their
      // workflow's start) before the timed phase: it measures the filings, not the warm-up's tail.
      const settle = async () => {
        const t0 = performance.now();
        await waitUntil(async () => {
          const n = await counts();
          return worker ? n.cargos === n.total && (await unsentMail()) === 0 : n.iniciados === n.total;
        }, 120_000);
        log('filing', `  calentamiento asentado en ${fmt((performance.now() - t0) / 1000, 1)} s`);
        done = probe();
      };
      let done = probe();
      const res = await runLoad(
        {
          ...base,
          url: `${stack.base}/api/v1/expedientes`,
          headers: { accept: 'application/json', cookie: c.cookie, 'x-csrf-token': c.csrf },
          idempotencyKeys: true,
          expectStatus: 201,
        },
        settle,
      );
      log('filing', `  durante la carga: ${done(res.ok)}`);
      const at = await counts();
      log(
        'filing',
        `  expedientes registrados: ${at.total}; con workflow iniciado al terminar la carga: ${at.iniciados}` +
          `${worker ? `; con cargo PDF ya emitido: ${at.cargos}` : ''}`,
      );
      if (worker) {
        // Nothing is left behind: every filing gets its cargo once the burst is over.
        const t0 = performance.now();
        await waitUntil(async () => (await counts()).cargos === at.total, 600_000);
        log('filing', `  todos los cargos emitidos ${fmt((performance.now() - t0) / 1000, 1)} s después de la última respuesta`);
      } else {
        // Starts deferred during the burst are made once it is over.
        const t0 = performance.now();
        await waitUntil(async () => (await counts()).iniciados === at.total, 600_000);
        log('filing', `  todos los workflows iniciados ${fmt((performance.now() - t0) / 1000, 1)} s después de la última respuesta`);
      }
      return res;
    } finally {
      await stopChild(child);
      await stack.close();
    }
  };

  const appRes = await runApp(true);
  const appRps = report('POST /api/v1/expedientes', appRes);
  const bareRes = await runApp(false);
  const bareRps = report('POST /api/v1/expedientes sin worker', bareRes);

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

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** bin/worker.ts in a child process on the stack's Temporal namespace, database and files. */
async function startWorkerProcess(stack: Awaited<ReturnType<typeof startStack>>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'worker.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: stack.dbUrl,
      TEMPORAL_ADDRESS: stack.config.temporal.address,
      TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
      TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
      STORAGE_DIR: stack.storageDir,
      SMTP_URL: stack.config.mail.smtpUrl ?? '',
      PUBLIC_URL: stack.config.http.publicUrl,
      PUPPETEER_EXECUTABLE_PATH: required('PUPPETEER_EXECUTABLE_PATH'),
      PDF_CHROMIUM_PATH: pdfChromium(),
      WORKFLOW_BUNDLE: process.env.TEST_WORKFLOW_BUNDLE ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ready = false;
  let warnings = 0;
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        if (line.includes('Worker listo')) ready = true;
        // Under load the worker mostly logs activity retries: show a few, count the rest.
        else if (line.trim() && ++warnings <= 5) log('filing', `  [worker] ${line.slice(0, 160)}`);
      }
    });
  }
  await waitUntil(() => ready || child.exitCode !== null, 180_000);
  if (!ready) throw new Error(`el worker terminó al arrancar (código ${child.exitCode})`);
  return child;
}

async function stopChild(child: ChildProcess | undefined) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

/** Polls `check` until it holds; throws after `limitMs` (a benchmark must end). */
async function waitUntil(check: () => boolean | Promise<boolean>, limitMs: number) {
  const end = performance.now() + limitMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error(`no ocurrió en ${limitMs / 1000} s`);
    await sleep(200);
  }
}

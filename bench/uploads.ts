// `uploads`: five concurrent filings with a ~20 MB principal PDF against the web process
// (bin/web.ts in a child process, no worker: the filings stay pending), sampling the process's
// resident memory (VmRSS in /proc/<pid>/status) every 20 ms. Target (issue #4): peak RSS growth
// over the idle baseline ≤ 64 MB.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNamespace, createTestDb, required, uid } from '../test/helpers/stack';
import { fileMultipart, loginAs, type Json } from '../test/helpers/http';
import { freePort } from '../test/helpers/ports';
import { bulkyPdf, fmt, log, median, sleep, type Figure } from './lib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const UPLOADS = 5;
const MB = 1024 * 1024;
/** Just under the default principal limit (LIMITE_PRINCIPAL_MB = 20 → 20 MiB). */
const PDF_BYTES = 20 * MB - 32 * 1024;
const SAMPLE_MS = 20;
const IDLE_MS = 1500;
const UPLOAD_TIMEOUT_MS = 120_000;

// The sampler runs in a worker thread: the uploads' client work on this thread's event loop must
// not delay or skip samples. Times are absolute (timeOrigin + now) so both threads agree.
const SAMPLER = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const samples = [];
let stop = false;
parentPort.on('message', () => { stop = true; });
function tick() {
  if (stop) return parentPort.postMessage(samples);
  try {
    const m = /^VmRSS:\\s+(\\d+)\\s+kB/m.exec(readFileSync('/proc/' + workerData.pid + '/status', 'utf8'));
    if (m) samples.push({ at: performance.timeOrigin + performance.now(), kb: Number(m[1]) });
  } catch {}
  setTimeout(tick, workerData.every);
}
tick();
`;

const now = () => performance.timeOrigin + performance.now();

/** Samples VmRSS of `pid` every SAMPLE_MS until stopped. */
function sampler(pid: number) {
  const worker = new Worker(SAMPLER, { eval: true, workerData: { pid, every: SAMPLE_MS }, execArgv: [] });
  const result = new Promise<{ at: number; kb: number }[]>((res, rej) => {
    worker.once('message', res);
    worker.once('error', rej);
  });
  return {
    async stop() {
      worker.postMessage('stop');
      const samples = await result;
      await worker.terminate();
      return samples;
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`sin respuesta en ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function startWeb(env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bin', 'web.ts')], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tag = (line: string) => line.trim() && process.stdout.write(`[bench:uploads:web] ${line}\n`);
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        tag(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  return child;
}

async function waitHealthy(base: string, child: ChildProcess) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bin/web.ts terminó con código ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error('bin/web.ts no respondió en 60 s');
    await sleep(200);
  }
}

function stopChild(child: ChildProcess) {
  return new Promise<void>((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      res();
    });
    child.kill('SIGTERM');
  });
}

export async function uploads(): Promise<Figure[]> {
  const pdf = await bulkyPdf(PDF_BYTES);
  const small = await bulkyPdf(MB);
  log('uploads', `PDF principal de ${fmt(pdf.length / MB, 2)} MiB (${pdf.length} bytes); ${UPLOADS} cargas a la vez`);

  const database = await createTestDb();
  const namespace = await createNamespace();
  const storageDir = await mkdtemp(join(tmpdir(), 'mpv-bench-files-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startWeb({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: required('TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `bench-${uid()}`,
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: base,
    STORAGE_DIR: storageDir,
    PUPPETEER_EXECUTABLE_PATH: process.env.PUPPETEER_EXECUTABLE_PATH ?? '',
    PDF_CHROMIUM_PATH: process.env.PDF_CHROMIUM_PATH ?? '',
    DEMO: '1',
  });
  try {
    await waitHealthy(base, child);
    const pid = child.pid!;
    const c = await loginAs(base, 'ciudadano@demo.pe');
    // One small filing first: the modules an upload loads lazily (file-type, pdf-lib…) and the
    // connection pools are then part of the idle baseline, not of the growth.
    const warm = await fileMultipart(base, c, { asunto: 'Calentamiento de la prueba de cargas' }, { principal: small });
    if (warm.status !== 201) throw new Error(`calentamiento: ${warm.status} ${JSON.stringify(warm.body)}`);
    await sleep(500);

    const s = sampler(pid);
    const tIdle = now();
    await sleep(IDLE_MS);
    const tStart = now();
    const results = await Promise.all(
      Array.from({ length: UPLOADS }, async (_, i) => {
        const t = now();
        const r = await withTimeout(
          fileMultipart(
            base,
            c,
            { asunto: `Carga grande ${i + 1} de ${UPLOADS}` },
            { principal: pdf, principalName: `expediente-grande-${i + 1}.pdf` },
            { 'idempotency-key': `bench-upload-${uid()}` },
          ),
          UPLOAD_TIMEOUT_MS,
        ).catch((err: Error) => ({ status: 0, body: { error: String(err.cause ?? err.message) } as Json }));
        return { ...r, ms: now() - t, end: now() - tStart };
      }),
    );
    const elapsed = now() - tStart;
    await sleep(300);
    const samples = await s.stop();

    const idle = samples.filter((x) => x.at >= tIdle && x.at < tStart).map((x) => x.kb);
    const duringSamples = samples.filter((x) => x.at >= tStart);
    const during = duringSamples.map((x) => x.kb);
    const idleKb = median(idle);
    const peakKb = Math.max(...during);
    const peakAt = duringSamples.find((x) => x.kb === peakKb);
    const growthMb = (peakKb - idleKb) / 1024;
    const ok = results.filter((r) => r.status === 201).length;
    for (const [i, r] of results.entries()) {
      log('uploads', `carga ${i + 1}: ${r.status} en ${fmt(r.ms / 1000, 2)} s${r.status === 201 ? ` → ${r.body.numero}, folios ${r.body.folios}` : ` ${JSON.stringify(r.body)}`}`);
    }
    const span = duringSamples.length > 1 ? (duringSamples[duringSamples.length - 1].at - duringSamples[0].at) / (duringSamples.length - 1) : NaN;
    log(
      'uploads',
      `RSS del proceso web: en reposo ${fmt(idleKb / 1024)} MiB (mediana de ${idle.length} muestras), pico ${fmt(peakKb / 1024)} MiB ` +
        `a los ${fmt(((peakAt?.at ?? tStart) - tStart) / 1000, 2)} s de empezar; ${during.length} muestras (cada ${fmt(span)} ms); ` +
        `${ok}/${UPLOADS} cargas en ${fmt(elapsed / 1000, 2)} s (la primera respuesta a los ${fmt(Math.min(...results.map((r) => r.end)) / 1000, 2)} s)`,
    );
    // A coarse profile of the run: the highest growth in each tenth of it.
    const buckets = 10;
    const total = elapsed + 300;
    const profile = Array.from({ length: buckets }, (_, b) => {
      const inB = duringSamples.filter((x) => x.at - tStart >= (b * total) / buckets && x.at - tStart < ((b + 1) * total) / buckets);
      return inB.length ? `${fmt(((b + 1) * total) / buckets / 1000, 1)}s:${fmt((Math.max(...inB.map((x) => x.kb)) - idleKb) / 1024, 0)}` : '';
    })
      .filter(Boolean)
      .join(' ');
    log('uploads', `crecimiento máximo (MiB) por décimo de la prueba: ${profile}`);
    const mbps = (ok * pdf.length) / MB / (elapsed / 1000);
    return [
      { bench: 'uploads', metric: `cargas de 20 MB correctas`, value: ok, unit: `de ${UPLOADS}`, kind: 'min', target: UPLOADS },
      { bench: 'uploads', metric: 'tiempo de las 5 cargas', value: elapsed, unit: 'ms', note: `${fmt(mbps)} MiB/s` },
      { bench: 'uploads', metric: 'RSS en reposo', value: idleKb / 1024, unit: 'MiB' },
      { bench: 'uploads', metric: 'crecimiento pico de RSS', value: growthMb, unit: 'MiB', kind: 'max', target: 64 },
    ];
  } finally {
    await stopChild(child);
    await database.drop();
    await rm(storageDir, { recursive: true, force: true });
  }
}

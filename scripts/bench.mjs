// `npm run bench`: the performance figures of issue #4, never part of `npm test`. Like
// scripts/test.mjs it installs what is missing and starts its own Temporal dev server and its own
// PostgreSQL (never the `npm start` data), then runs bench/run.ts and stops what it started.
// `npm run bench` runs every benchmark; `npm run bench -- filing uploads` only those named.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAll, freePort, log, root, startEmbeddedPostgres, startTemporal } from './setup.mjs';

const ALL = ['filing', 'uploads', 'cargo', 'constancias'];
const names = process.argv.slice(2);
const unknown = names.filter((n) => !ALL.includes(n));
if (unknown.length) {
  console.error(`[bench] benchmark desconocido: ${unknown.join(', ')}. Disponibles: ${ALL.join(', ')}.`);
  process.exit(2);
}
const selected = names.length ? names : ALL;
// The rendering benchmarks need only Chromium; the others need the servers too.
const needsServers = selected.some((n) => n === 'filing' || n === 'uploads');
const needsBundle = selected.includes('filing');

const started = Date.now();
const work = mkdtempSync(join(tmpdir(), 'mpv-bench-'));
chmodSync(work, 0o755); // the embedded server may run as the postgres user
const cleanups = [];
let code = 1;

function run(cmd, args, env) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (c, signal) => res(c ?? (signal ? 1 : 0)));
  });
}

let stopping = false;
async function cleanup() {
  if (stopping) return;
  stopping = true;
  for (const fn of cleanups.reverse()) await fn().catch((e) => console.error(e));
  rmSync(work, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    void cleanup().then(() => process.exit(130));
  });
}

try {
  const { temporalCli, chromium } = await ensureAll();
  const env = {
    ...process.env,
    NODE_ENV: 'test',
    TEMPORAL_CLI: temporalCli,
    PUPPETEER_EXECUTABLE_PATH: chromium,
  };

  if (needsServers) {
    const temporalPort = await freePort();
    const temporal = await startTemporal({ cli: temporalCli, port: temporalPort, headless: true, prefix: 'bench:temporal', logLevel: 'never' });
    cleanups.push(
      () =>
        new Promise((res) => {
          if (temporal.exitCode !== null) return res();
          temporal.once('exit', res);
          temporal.kill('SIGTERM');
        }),
    );

    const pgPort = await freePort();
    const { pg, url } = await startEmbeddedPostgres({ dataDir: join(work, 'postgres'), port: pgPort, persistent: false });
    cleanups.push(() => pg.stop());
    env.TEST_TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
    env.TEST_DATABASE_URL = url('postgres');
  }

  if (needsBundle) {
    // One workflow bundle built here, as npm test does, instead of a webpack build in the worker.
    const { bundleWorkflowCode } = await import('@temporalio/worker');
    const { code: bundle } = await bundleWorkflowCode({
      workflowsPath: join(root, 'workflows', 'index.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    });
    const bundlePath = join(work, 'workflow-bundle.js');
    writeFileSync(bundlePath, bundle);
    env.TEST_WORKFLOW_BUNDLE = bundlePath;
  }

  log(`servicios listos en ${((Date.now() - started) / 1000).toFixed(1)} s; benchmarks: ${selected.join(', ')}`);
  code = await run(process.execPath, ['--import', 'tsx', join(root, 'bench', 'run.ts'), ...selected], env);
} catch (err) {
  console.error(`[bench] ${err.stack ?? err}`);
  code = 1;
} finally {
  await cleanup();
}
log(`npm run bench: ${((Date.now() - started) / 1000).toFixed(1)} s en total`);
process.exit(code);

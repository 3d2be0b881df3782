// `npm test`: installs what is missing, starts its own Temporal dev server and its own PostgreSQL
// (never the `npm start` data), type-checks, runs every ava test, and stops what it started.
// Extra arguments go to ava: `npm test -- test/expedientes.test.ts`.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAll, freePort, log, root, startEmbeddedPostgres, startTemporal } from './setup.mjs';

const work = mkdtempSync(join(tmpdir(), 'mpv-test-'));
chmodSync(work, 0o755); // the embedded server may run as the postgres user
const cleanups = [];
let code = 1;

function run(cmd, args, env) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (c, signal) => res(c ?? (signal ? 1 : 0)));
  });
}

try {
  const { temporalCli, chromium } = await ensureAll();

  const temporalPort = await freePort();
  const temporal = await startTemporal({ cli: temporalCli, port: temporalPort, headless: true, prefix: 'test:temporal', logLevel: 'never' });
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

  // One workflow bundle for every test file instead of one webpack build per worker.
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { code: bundle } = await bundleWorkflowCode({
    workflowsPath: join(root, 'workflows', 'index.ts'),
    logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
  });
  const bundlePath = join(work, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle);

  const env = {
    ...process.env,
    NODE_ENV: 'test',
    TEST_TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TEST_DATABASE_URL: url('postgres'),
    TEST_WORKFLOW_BUNDLE: bundlePath,
    TEMPORAL_CLI: temporalCli,
    PUPPETEER_EXECUTABLE_PATH: chromium,
  };

  log('comprobando tipos (tsc --noEmit)…');
  code = await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root], env);
  if (code === 0) {
    code = await run(process.execPath, [join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), ...process.argv.slice(2)], env);
  }
} catch (err) {
  console.error(`[test] ${err.stack ?? err}`);
  code = 1;
} finally {
  for (const fn of cleanups.reverse()) await fn().catch((e) => console.error(e));
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);

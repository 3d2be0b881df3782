import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAll, ensureClamd, freePort, root, startEmbeddedPostgres, startTemporal, startTestClamd, stopChild, stopEmbeddedPostgres } from './setup.mjs';
import { ensureTemporalServer } from './temporal-server.mjs';

/**
 * The private infrastructure of `npm test` and `npm run bench`: a headless in-memory Temporal
 * dev server, an embedded PostgreSQL and a clamd with the tests' own signature, in a temp folder,
 * on free ports, plus (optionally) one pre-built workflow bundle. Returns the TEST_* variables the
 * tests read, and `stop()`.
 */
export async function startPrivateStack({ prefix, servers = true, bundle = true }) {
  const { temporalCli, chromium, pdfChromium, also: temporalServer } = await ensureAll({ also: servers ? ensureTemporalServer : undefined });
  const work = mkdtempSync(join(tmpdir(), `mpv-${prefix}-`));
  chmodSync(work, 0o755); // the embedded server may run as the postgres user
  const stops = [];
  const env = { NODE_ENV: 'test', TEMPORAL_CLI: temporalCli, PUPPETEER_EXECUTABLE_PATH: chromium, PDF_CHROMIUM_PATH: pdfChromium };
  // The real server binaries, for the tests that stop and kill a Temporal server of their own.
  if (temporalServer) {
    Object.assign(env, { TEST_TEMPORAL_SERVER: temporalServer.server, TEST_TEMPORAL_SQL: temporalServer.sql, TEST_TEMPORAL_SCHEMA_DIR: temporalServer.schemaDir });
  }
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((e) => console.error(e));
    stops.length = 0;
    rmSync(work, { recursive: true, force: true });
  };
  try {
    if (servers) {
      const temporalPort = await freePort();
      const temporal = await startTemporal({ cli: temporalCli, port: temporalPort, headless: true, prefix: `${prefix}:temporal`, logLevel: 'never' });
      stops.push(() => stopChild(temporal));
      const pgPort = await freePort();
      const { pg, url } = await startEmbeddedPostgres({ dataDir: join(work, 'postgres'), port: pgPort, persistent: false });
      stops.push(() => stopEmbeddedPostgres(pg));
      env.TEST_TEMPORAL_ADDRESS = `127.0.0.1:${temporalPort}`;
      env.TEST_DATABASE_URL = url('postgres');
      const clamd = await startTestClamd({ clamd: await ensureClamd(), dir: join(work, 'clamd'), prefix: `${prefix}:clamd` });
      stops.push(() => stopChild(clamd.child));
      Object.assign(env, clamd.env);
    }
    if (bundle) {
      // One workflow bundle for every test file instead of one webpack build per worker.
      const { bundleWorkflowCode } = await import('@temporalio/worker');
      const { code } = await bundleWorkflowCode({
        workflowsPath: join(root, 'workflows', 'index.ts'),
        logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
      });
      env.TEST_WORKFLOW_BUNDLE = join(work, 'workflow-bundle.js');
      writeFileSync(env.TEST_WORKFLOW_BUNDLE, code);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { env, stop };
}


// A real Temporal server (not `start-dev`) of the test's own, on PostgreSQL persistence, for the
// tests that stop it, kill it and start it again: scripts/temporal-server.mjs runs it, on two fresh
// databases in the tests' PostgreSQL, with the namespace `default` and our search attributes.
// The shared dev server of `npm test` is never touched.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../../lib/db';
import { adminUrl, required, uid } from './stack';

interface Running {
  address: string;
  ports: Record<string, number>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

interface TemporalServerModule {
  prepareTemporalDatabases(opts: {
    sql: string;
    schemaDir: string;
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    visibilityDatabase: string;
    prefix?: string;
  }): Promise<void>;
  startTemporalServer(opts: {
    server: string;
    cli: string;
    dir: string;
    pg: { host: string; port: number; user: string; password: string; database: string; visibilityDatabase: string };
    ports?: Record<string, number>;
    namespace?: string;
    numHistoryShards?: number;
    prefix?: string;
    logLevel?: string;
  }): Promise<Running>;
}

// A plain .mjs without types: imported by URL, typed by the interface above.
const serverModule = new URL('../../scripts/temporal-server.mjs', import.meta.url).href;

export interface RealTemporal {
  /** host:port of its frontend: the same after every restart. */
  address: string;
  namespace: 'default';
  /** The process is killed outright (kill -9), as by a crash or the OOM killer. */
  kill(): Promise<void>;
  /** Started again on the same databases and ports: everything it had persisted is back. */
  start(): Promise<void>;
  isRunning(): boolean;
  /** Stops it and drops its databases. */
  close(): Promise<void>;
}

export async function startRealTemporal(opts: { prefix?: string } = {}): Promise<RealTemporal> {
  const mod = (await import(serverModule)) as TemporalServerModule;
  const pgUrl = new URL(adminUrl());
  const pg = {
    host: pgUrl.hostname,
    port: Number(pgUrl.port),
    user: decodeURIComponent(pgUrl.username),
    password: decodeURIComponent(pgUrl.password),
    database: `temporal_${uid()}`,
    visibilityDatabase: `temporal_vis_${uid()}`,
  };
  const prefix = opts.prefix ?? 'temporal-propio';
  const sql = required('TEST_TEMPORAL_SQL');
  await mod.prepareTemporalDatabases({ sql, schemaDir: required('TEST_TEMPORAL_SCHEMA_DIR'), ...pg, prefix: `${prefix}:esquema` });
  const dir = await mkdtemp(join(tmpdir(), 'mpv-temporal-'));
  const launch = (ports?: Record<string, number>) =>
    mod.startTemporalServer({
      server: required('TEST_TEMPORAL_SERVER'),
      cli: required('TEMPORAL_CLI'),
      dir,
      pg,
      ports,
      // One shard: the server starts in seconds and a test's few cases fit.
      numHistoryShards: 1,
      prefix,
      logLevel: 'error',
    });
  let running: Running | undefined = await launch();
  const { address, ports } = running;

  return {
    address,
    namespace: 'default',
    async kill() {
      await running?.stop('SIGKILL');
      running = undefined;
    },
    async start() {
      if (running) return;
      // The same ports: the app, the worker and the tests keep their address.
      running = await launch(ports);
    },
    isRunning: () => running !== undefined,
    async close() {
      await running?.stop();
      running = undefined;
      const admin = createDb(adminUrl(), { min: 0, max: 1 });
      try {
        for (const db of [pg.database, pg.visibilityDatabase]) await admin.raw(`drop database if exists ${db} with (force)`);
      } finally {
        await admin.destroy();
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

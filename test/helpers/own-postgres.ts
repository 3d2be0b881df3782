// A PostgreSQL server of the test's own (embedded, data on disk), for the tests that stop it and
// start it again; the tests' shared PostgreSQL is never touched.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface SetupModule {
  freePort(): Promise<number>;
  startEmbeddedPostgres(opts: { dataDir: string; port: number; persistent?: boolean }): Promise<{ pg: { start(): Promise<void>; stop(): Promise<void> }; url: (db: string) => string }>;
}

// A plain .mjs without types: imported by URL, typed by the interface above.
const setupModule = new URL('../../scripts/setup.mjs', import.meta.url).href;

export interface OwnPostgres {
  /** Admin URL (database `postgres`): StackOptions.databaseServer. */
  url: string;
  /** A fast shutdown, as a restart does: sessions are ended (57P01), new connections refused. */
  stop(): Promise<void>;
  /** Started again on the same data and port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const { freePort, startEmbeddedPostgres } = (await import(setupModule)) as SetupModule;
  const dir = await mkdtemp(join(tmpdir(), 'mpv-pg-'));
  const { pg, url } = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: await freePort(), persistent: true });
  let running = true;
  return {
    url: url('postgres'),
    async stop() {
      if (running) await pg.stop();
      running = false;
    },
    async start() {
      if (!running) await pg.start();
      running = true;
    },
    async close() {
      if (running) await pg.stop();
      running = false;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

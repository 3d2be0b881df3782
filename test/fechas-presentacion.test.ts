// The dates of a filing as the cargo heads them (issue #15): sent on a Sunday or a holiday, the
// cargo says «Presentado en día inhábil»; sent after hours on a business day, «Presentado fuera del
// horario de atención»; inside hours, neither. Each date has one name: «Enviado el» (the instant),
// «Fecha de presentación» (the legal day), «Fecha de recepción». Then mesa de partes' tray: a
// subsanado case is marked and listed by its deadline, which runs again from the subsanación's
// reception. Serial: the tests share one clock (the instant the web server files at) that they move.
import anyTest, { type TestFn } from 'ava';
import { execFileSync } from 'node:child_process';
import { manualClock } from '../lib/clock';
import { limaInstant } from '../domain/calendar';
import { fileExpediente } from '../services/expedientes/registro';
import { estadoQuery, workflowIdFor } from '../workflows/definitions';
import { startStack, uid } from './helpers/stack';
import { actionMultipart, fileMultipart, loginAs, type Client } from './helpers/http';
import { filingInput } from './helpers/filing';
import { unescapeHtml } from './helpers/html';
import { until } from './helpers/wait';
import type { PaginaBandeja } from '../services/bandejas/bandejas';

const clock = manualClock(limaInstant('2026-11-30', '10:00'));
type Stack = Awaited<ReturnType<typeof startStack>>;
const test = anyTest as TestFn<Stack>;
test.before(async (t) => {
  t.context = await startStack({}, { clock });
});
test.after.always((t) => t.context.close());

/** Moves the server's clock to a Lima day and hour; sessions opened before may have expired: log in again after. */
function at(day: string, hhmm: string) {
  clock.advance(limaInstant(day, hhmm).getTime() - clock.now().getTime());
}

const people = async (base: string) => ({
  ciudadano: await loginAs(base, 'ciudadano@demo.pe'),
  mesa: await loginAs(base, 'mesa@demo.gob.pe'),
});

const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-raw', '-', '-'], { input: pdf }).toString().replace(/\s+/g, ' ');

async function file(base: string, c: Client, asunto: string) {
  const r = await fileMultipart(base, c, { asunto });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

/** The PDF at `url`, once the worker printed it. */
async function cargoPdf(c: Client, url: string) {
  let res = await c.get(url);
  await until(async () => {
    if (res.status === 200) return true;
    res = await c.get(url);
    return false;
  });
  return pdfText(Buffer.from(await res.arrayBuffer()));
}

async function html(base: string, c: Client, path: string) {
  const res = await fetch(base + path, { headers: { accept: 'text/html', cookie: c.cookie } });
  return unescapeHtml(await res.text());
}

test.serial('the cargo heads a filing on a Sunday or a holiday «Presentado en día inhábil», one after hours «fuera del horario», one in hours neither', async (t) => {
  const { base } = t.context;
  const cases: [label: string, day: string, hhmm: string, note: RegExp | null][] = [
    // Sunday 6 Dec 2026: presented Monday the 7th, received at its opening.
    ['domingo', '2026-12-06', '11:00', /Presentado en día inhábil: se considera presentado el siguiente día hábil, 07\/12\/2026 \(Ley N\.° 31465\), y se recibe el 07\/12\/2026 08:30:00 \(hora de Lima\)\./],
    // Tuesday 8 Dec 2026, a national holiday (and the 9th too): presented Thursday the 10th.
    ['feriado', '2026-12-08', '10:00', /Presentado en día inhábil: se considera presentado el siguiente día hábil, 10\/12\/2026 \(Ley N\.° 31465\), y se recibe el 10\/12\/2026 08:30:00 \(hora de Lima\)\./],
    // Thursday 10 Dec 2026 at 20:00, a business day after hours: presented that day, received Friday.
    ['fuera de horario', '2026-12-10', '20:00', /Presentado fuera del horario de atención: se considera presentado el 10\/12\/2026 \(Ley N\.° 31465\) y se recibe el 11\/12\/2026 08:30:00 \(hora de Lima\)\./],
    ['en horario', '2026-12-10', '10:00', null],
  ];
  for (const [label, day, hhmm, note] of cases) {
    at(day, hhmm);
    const { ciudadano } = await people(base);
    const numero = await file(base, ciudadano, `Fechas ${label} ${uid()}`);
    const text = await cargoPdf(ciudadano, `/api/v1/expedientes/${numero}/cargo.pdf`);
    const [dd, mm, yyyy] = [day.slice(8), day.slice(5, 7), day.slice(0, 4)];
    t.true(text.includes(`Enviado el ${dd}/${mm}/${yyyy} ${hhmm}:00 (hora de Lima)`), `${label}: ${text}`);
    t.false(text.includes('Fecha y hora de presentación'), label);
    if (note) t.regex(text, note, label);
    t.is(text.includes('día inhábil'), label === 'domingo' || label === 'feriado', label);
    t.is(text.includes('fuera del horario de atención'), label === 'fuera de horario', label);

    // The cargo page names the three dates the same way.
    const page = await html(base, ciudadano, `/expedientes/${numero}/cargo`);
    t.regex(page, new RegExp(`<dt>Enviado el</dt><dd>${dd}/${mm}/${yyyy} ${hhmm}</dd>`), label);
    t.regex(page, /<dt>Fecha de presentación<\/dt>/, label);
    t.regex(page, /<dt>Fecha de recepción<\/dt>/, label);
  }
});

test.serial('a subsanación sent on a holiday gets a cargo that says so', async (t) => {
  const { base } = t.context;
  at('2026-12-10', '10:00');
  const before = await people(base);
  const numero = await file(base, before.ciudadano, `Subsanada en feriado ${uid()}`);
  const o = await before.mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Falta la firma del solicitante' });
  t.is(o.status, 200, JSON.stringify(o.body));
  // Saturday 12 Dec 2026: presented Monday the 14th.
  at('2026-12-12', '09:15');
  const { ciudadano } = await people(base);
  const sub = await actionMultipart(base, ciudadano, numero, 'subsanar', { nota: 'Adjunto la solicitud firmada' });
  t.is(sub.status, 200, JSON.stringify(sub.body));
  const text = await cargoPdf(ciudadano, sub.body.cargoUrl as string);
  t.true(text.includes('Enviado el 12/12/2026 09:15:00 (hora de Lima)'), text);
  t.regex(text, /Presentado en día inhábil: se considera presentado el siguiente día hábil, 14\/12\/2026 \(Ley N\.° 31465\), y se recibe el 14\/12\/2026 08:30:00 \(hora de Lima\)\./);
  t.false(text.includes('fuera del horario'));
});

/** The workflow computed the case's validation plazo and projected it. */
async function settled(t: { context: Stack }, numero: string) {
  const handle = t.context.client.workflow.getHandle(workflowIdFor(numero));
  await until(async () => {
    const v = await handle.query(estadoQuery);
    if (v.estado !== 'PENDIENTE_VALIDACION' || v.plazo?.tipo !== 'validacion') return false;
    const row = await t.context.db('expedientes').where({ numero }).first('vence_en');
    return !!row.vence_en && new Date(row.vence_en).getTime() === Date.parse(v.plazo.vence);
  });
}

test.serial('mesa de partes\' tray marks a subsanado case and lists what is due first first: its plazo runs from the subsanación', async (t) => {
  const { base, db } = t.context;
  const tag = `Orden ${uid()}`;
  // Monday 30 Nov: A is filed and observed, B filed (due Tuesday).
  at('2026-11-30', '10:00');
  let p = await people(base);
  const a = await file(base, p.ciudadano, `${tag} A`);
  const o = await p.mesa.post(`/api/v1/expedientes/${a}/observar`, { motivo: 'Adjunte el plano' });
  t.is(o.status, 200, JSON.stringify(o.body));
  at('2026-11-30', '10:05');
  const b = await file(base, p.ciudadano, `${tag} B`);
  // Tuesday 1 Dec: C is filed (due Wednesday).
  at('2026-12-01', '10:00');
  p = await people(base);
  const c = await file(base, p.ciudadano, `${tag} C`);
  // Thursday 3 Dec: A comes back subsanado, received now (due Friday).
  at('2026-12-03', '10:00');
  p = await people(base);
  const sub = await actionMultipart(base, p.ciudadano, a, 'subsanar', { nota: 'Adjunto el plano' });
  t.is(sub.status, 200, JSON.stringify(sub.body));
  for (const n of [a, b, c]) await settled(t, n);
  const vence = async (n: string) => new Date((await db('expedientes').where({ numero: n }).first('vence_en')).vence_en).toISOString();
  t.is(await vence(b), limaInstant('2026-12-01', '23:59', 59).toISOString());
  t.is(await vence(c), limaInstant('2026-12-02', '23:59', 59).toISOString());
  t.is(await vence(a), limaInstant('2026-12-04', '23:59', 59).toISOString());
  // Cases whose plazo is not computed yet (their workflow not started) come last, and are still paged.
  const cuentaId = (await db('cuentas').where({ email: 'ciudadano@demo.pe' }).first('id')).id as number;
  const sinPlazo = async (x: string) => (await fileExpediente(db, filingInput(`${tag} ${x}`, { cuentaId }, clock.now()), clock.now())).row.numero;
  const d = await sinPlazo('D');
  const e = await sinPlazo('E');

  // One per page: every case once, in deadline order (A was received first, but is due last).
  const seen: string[] = [];
  let despues: string | null = null;
  do {
    const r = await p.mesa.get(`/api/v1/bandejas/por-validar?${new URLSearchParams({ asunto: tag, limite: '1', ...(despues ? { despues } : {}) })}`);
    t.is(r.status, 200);
    const body = (await r.json()) as PaginaBandeja;
    seen.push(...body.expedientes.map((e) => e.numero));
    despues = body.siguiente;
  } while (despues && seen.length < 10);
  t.deepEqual(seen, [b, c, a, d, e]);

  const rows = ((await (await p.mesa.get(`/api/v1/bandejas/por-validar?asunto=${encodeURIComponent(tag)}`)).json()) as PaginaBandeja).expedientes;
  t.deepEqual(
    rows.map((r) => [r.numero, r.subsanado]),
    [[b, false], [c, false], [a, true], [d, false], [e, false]],
  );

  // The page: the mark beside the number, the deadline's owner in the header, the order explained.
  const tray = await html(base, p.mesa, `/bandeja/por-validar?asunto=${encodeURIComponent(tag)}`);
  const rowOf = (n: string) => tray.slice(tray.indexOf(`href="/expedientes/${n}"`), tray.indexOf('</tr>', tray.indexOf(`href="/expedientes/${n}"`)));
  t.regex(rowOf(a), /<span class="subsanado">subsanado<\/span>/);
  for (const n of [b, c, d, e]) t.notRegex(rowOf(n), /class="subsanado"/, n);
  t.deepEqual([...tray.matchAll(/<th scope="row" class="num">\s*<a href="\/expedientes\/([\d-]+)">/g)].map((m) => m[1]), [b, c, a, d, e]);
  t.regex(tray, /<th scope="col">Plazo de la entidad para validar<\/th>/);
  t.regex(tray, /primero el que vence antes\. Un expediente subsanado vuelve aquí con su plazo contado desde la recepción de la subsanación\./);

  // Derived after validation, the mark goes: it was about coming back, not about the case forever.
  const der = await p.mesa.post(`/api/v1/expedientes/${a}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' });
  t.is(der.status, 200, JSON.stringify(der.body));
  await until(async () => (await db('expedientes').where({ numero: a }).first('estado')).estado === 'DERIVADO');
  const sup = await loginAs(base, 'supervisor@demo.gob.pe');
  const todos = ((await (await sup.get(`/api/v1/bandejas/todos?numero=${a}`)).json()) as PaginaBandeja).expedientes;
  t.like(todos[0], { numero: a, estado: 'DERIVADO', subsanado: false });
});

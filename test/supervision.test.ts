// The supervisor's dashboard on the real stack (issue #15, «a supervisor who can act»): cases por
// vencer with their office and business days left; each office's attention times (median, 90th
// percentile, share within plazo) over 30 and 90 days from cases seeded straight into the read
// model; receptions and attentions per week over 12 weeks, checked against the database and drawn
// as an accessible SVG; offices with no cases in zeros; Mesa de Partes' links selecting its cases;
// the Temporal Web UI only for supervisors and admins, labelled for what it is; a supervisor's
// reassignment in the seguimiento. Pages in Chromium, with axe-core finding no violation.
// Set SCREENSHOTS_DIR to keep screenshots (supervision-*.png at 1280 and 390 px).
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Page } from 'puppeteer-core';
import { sharedStack, type Shared } from './helpers/shared';
import { uid } from './helpers/stack';
import { fileMultipart, type Client } from './helpers/http';
import { axeViolations, openBrowser, widths } from './helpers/browser';
import { until } from './helpers/wait';
import { addDays, businessDaysUntil, formatInstant, isBusinessDay, limaDay, limaInstant, nextBusinessDay, type CalendarSettings } from '../domain/calendar';
import { calendarSettings } from '../lib/business-calendar';
import { estadoQuery, workflowIdFor } from '../workflows/definitions';
import type { Tablero } from '../services/bandejas/tablero';

const test = sharedStack(
  { ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' },
  async (stack) => {
    // Two offices of this file's own: one whose attentions are seeded, one that never gets a case.
    const estadistica = `EST${uid().slice(0, 5).toUpperCase()}`;
    const vacia = `VAC${uid().slice(0, 5).toUpperCase()}`;
    await stack.db('unidades').insert([
      { codigo: estadistica, nombre: 'Oficina de Estadística de Prueba', padre_codigo: 'GG' },
      { codigo: vacia, nombre: 'Oficina Sin Expedientes', padre_codigo: 'GG' },
    ]);
    return { estadistica, vacia, settings: await calendarSettings(stack.db, stack.config) };
  },
);
type Ctx = Shared<'ciudadano' | 'mesa' | 'unidad' | 'supervisor', { estadistica: string; vacia: string; settings: CalendarSettings }>;

async function tablero(c: Client) {
  const res = await c.get('/api/v1/supervision/tablero');
  if (res.status !== 200) throw new Error(`tablero: ${res.status}`);
  return (await res.json()) as Tablero;
}

async function file(t: { context: Ctx }, asunto: string) {
  const r = await fileMultipart(t.context.stack.base, t.context.ciudadano, { asunto });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

async function act(c: Client, numero: string, accion: string, body: Record<string, string> = {}) {
  const r = await c.post(`/api/v1/expedientes/${numero}/${accion}`, body);
  if (r.status !== 200) throw new Error(`${accion} ${numero}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The workflow computed the plazo of the case's state and projected it. */
async function settled(t: { context: Ctx }, numero: string, tipo: 'validacion' | 'atencion') {
  const handle = t.context.stack.client.workflow.getHandle(workflowIdFor(numero));
  await until(async () => {
    const v = await handle.query(estadoQuery);
    if (v.plazo?.tipo !== tipo) return false;
    const row = await t.context.stack.db('expedientes').where({ numero }).first('vence_en');
    return !!row.vence_en && new Date(row.vence_en).getTime() === Date.parse(v.plazo.vence);
  });
}

/** The business day `n` business days before `day`. */
function habilesAntes(day: string, n: number, s: CalendarSettings) {
  let d = day;
  for (let i = 0; i < n; d = addDays(d, -1)) if (isBusinessDay(addDays(d, -1), s)) i++;
  return d;
}
/** `day` itself if it is a business day, else the one before. */
const habilOAntes = (day: string, s: CalendarSettings) => (isBusinessDay(day, s) ? day : habilesAntes(day, 1, s));

let correlativo = 10_000 + Math.floor(Math.random() * 80_000);

/**
 * An attended case straight into the read model (the dashboard only reads it): received at
 * `recibido`, attended by `unidad` at `atendido` (its ATENDER step), with its last plazo `vence`.
 */
async function seedAtendido(db: Knex, unidad: string, recibido: Date, atendido: Date, vence: Date | null) {
  const n = ++correlativo;
  const numero = `${String(n).padStart(5, '0')}-1999`;
  const [{ id }] = await db('expedientes')
    .insert({
      numero,
      anio: 1999,
      correlativo: n,
      workflow_id: `expediente-1999-${numero.slice(0, 5)}`,
      estado: 'ATENDIDO',
      tipo_documento: 'CARTA',
      asunto: 'Atención sembrada para las estadísticas',
      remitente: 'Remitente de prueba',
      unidad,
      recibido: true,
      presentado_en: recibido,
      recibido_en: recibido,
      workflow_iniciado_en: recibido,
      fecha_presentacion: limaDay(recibido),
      vence_en: vence,
      updated_at: atendido,
      ultima_secuencia: 1,
    })
    .returning('id');
  await db('historial').insert({ expediente_id: id, secuencia: 1, accion: 'ATENDER', estado_anterior: 'DERIVADO', estado_nuevo: 'ATENDIDO', actor: 'unidad@demo.gob.pe', unidad, ocurrido_en: atendido });
  return numero;
}

// Serial (the serial tests of a file run before the others): the weekly counts are compared with
// the whole database, which the other tests would change in between.
test.serial('attention times per office over 30 and 90 days, receptions and attentions per week, offices with no cases in zeros', async (t) => {
  const { stack, supervisor, estadistica, vacia, settings: s } = t.context;
  const now = new Date();
  const hoy = limaDay(now);
  /** Attended at 11:00 of `dia`, received at 09:00 `dias` business days before, plazo ending a day after or before it. */
  const atencion = async (dia: string, dias: number, plazo: 'antes' | 'despues' | null) => {
    const atendido = limaInstant(dia, '11:00');
    const recibido = limaInstant(habilesAntes(dia, dias, s), '09:00');
    t.is(businessDaysUntil(recibido, atendido, s), dias, 'seeded as the calendar counts');
    const vence = plazo === null ? null : new Date(atendido.getTime() + (plazo === 'despues' ? 1 : -1) * 86_400_000);
    return seedAtendido(stack.db, estadistica, recibido, atendido, vence);
  };
  // The last 30 days: 1, 2, 3 días hábiles within plazo, 4 late, 10 with no plazo on record.
  await atencion(habilesAntes(hoy, 1, s), 1, 'despues');
  await atencion(habilesAntes(hoy, 2, s), 2, 'despues');
  await atencion(habilesAntes(hoy, 3, s), 3, 'despues');
  await atencion(habilesAntes(hoy, 4, s), 4, 'antes');
  await atencion(habilesAntes(hoy, 5, s), 10, null);
  // 31 to 90 days ago: 6 within plazo, 8 late; more than 90 days ago: 20, in no period.
  await atencion(habilOAntes(addDays(hoy, -45), s), 6, 'despues');
  await atencion(habilOAntes(addDays(hoy, -70), s), 8, 'antes');
  await atencion(habilOAntes(addDays(hoy, -100), s), 20, 'antes');

  const tab = await tablero(supervisor);
  const est = tab.porUnidad.find((u) => u.unidad === estadistica)!;
  t.deepEqual(est.atencion.ultimos30, { atendidos: 5, mediana: 3, p90: 10, conPlazo: 4, dentroDelPlazo: 0.75 });
  t.deepEqual(est.atencion.ultimos90, { atendidos: 7, mediana: 4, p90: 10, conPlazo: 6, dentroDelPlazo: 4 / 6 });
  t.is(est.atendidos, 8);
  t.is(est.nombre, 'Oficina de Estadística de Prueba');

  // An office with no cases is listed, in zeros, with nothing to measure.
  const vac = tab.porUnidad.find((u) => u.unidad === vacia)!;
  t.like(vac, { nombre: 'Oficina Sin Expedientes', pendientes: 0, observados: 0, porRecibir: 0, enProceso: 0, atendidos: 0, vencidos: 0, filtro: vacia });
  t.deepEqual(vac.atencion.ultimos30, { atendidos: 0, mediana: null, p90: null, conPlazo: 0, dentroDelPlazo: null });
  t.deepEqual(vac.atencion.ultimos90, vac.atencion.ultimos30);
  // Every active office is there, Mesa de Partes first.
  const activas = (await stack.db('unidades').where({ activa: true }).pluck('codigo')) as string[];
  t.deepEqual(tab.porUnidad.map((u) => u.unidad).sort(), activas.sort());
  t.like(tab.porUnidad[0], { unidad: 'MP', mesaDePartes: true, filtro: 'MP' });

  // 12 weeks, Monday to Sunday, the last one this week; their counts as the database has them
  // (the week cut there by PostgreSQL in America/Lima, independently of the app's own reckoning).
  t.is(tab.semanas.length, 12);
  const lunes = tab.semanas[11].desde;
  t.true(lunes <= hoy && addDays(lunes, 7) > hoy && new Date(`${lunes}T12:00:00Z`).getUTCDay() === 1);
  for (let i = 1; i < 12; i++) t.is(tab.semanas[i].desde, addDays(tab.semanas[i - 1].desde, 7));
  const semana = `to_char(date_trunc('week', ?? at time zone 'America/Lima'), 'YYYY-MM-DD')`;
  const recibidos = await stack.db('expedientes').select(stack.db.raw(`${semana} as w`, ['recibido_en'])).count('* as n').groupByRaw('1');
  const atendidos = await stack.db('historial').where({ accion: 'ATENDER' }).select(stack.db.raw(`${semana} as w`, ['ocurrido_en'])).count('* as n').groupByRaw('1');
  const por = (rows: { w: string; n: string | number }[]) => new Map(rows.map((r) => [r.w, Number(r.n)]));
  const [r, a] = [por(recibidos as never), por(atendidos as never)];
  t.deepEqual(
    tab.semanas.map((w) => [w.desde, w.recibidos, w.atendidos]),
    tab.semanas.map((w) => [w.desde, r.get(w.desde) ?? 0, a.get(w.desde) ?? 0]),
  );
  // The seeded attentions of the last weeks are in them.
  t.true(tab.semanas.reduce((n, w) => n + w.atendidos, 0) >= 6);
});

test('por vencer: a case whose plazo ends in 1 business day is listed with its office and days left; one in 10 is not', async (t) => {
  const { stack, mesa, supervisor, settings: s } = t.context;
  const tag = `Por vencer ${uid()}`;
  const cerca = await file(t, `${tag} cerca`);
  const lejos = await file(t, `${tag} lejos`);
  for (const n of [cerca, lejos]) {
    await act(mesa, n, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
    await settled(t, n, 'atencion');
  }
  const hoy = limaDay(new Date());
  let diez = hoy;
  for (let i = 0; i < 10; i++) diez = nextBusinessDay(diez, s);
  await stack.db('expedientes').where({ numero: cerca }).update({ vence_en: limaInstant(nextBusinessDay(hoy, s), '23:59', 59) });
  await stack.db('expedientes').where({ numero: lejos }).update({ vence_en: limaInstant(diez, '23:59', 59) });

  const tab = await tablero(supervisor);
  t.is(tab.porVencer.dias, stack.config.supervision.porVencerDias);
  t.is(tab.porVencer.dias, 2);
  t.is(tab.porVencer.ultimoDia, nextBusinessDay(nextBusinessDay(hoy, s), s));
  t.is(tab.porVencer.hasta, formatInstant(limaInstant(nextBusinessDay(tab.porVencer.ultimoDia, s), '00:00')));
  const listed = tab.porVencer.expedientes.find((e) => e.numero === cerca);
  t.like(listed, { unidad: 'OAJ', unidadNombre: 'Oficina de Asesoría Jurídica', diasRestantes: 1, estado: 'DERIVADO', vencido: false });
  t.false(tab.porVencer.expedientes.some((e) => e.numero === lejos));
  t.true(tab.porVencer.total >= 1);
  for (const e of tab.porVencer.expedientes) t.true(e.diasRestantes! >= 0 && e.diasRestantes! <= 2, e.numero);
  // The other lists are as they were: neither case is overdue.
  t.false(tab.vencidos.expedientes.some((e) => e.numero === cerca || e.numero === lejos));

  const { browser, errors, session } = await openBrowser(stack.base);
  try {
    const p = await session('supervisor@demo.gob.pe', '/supervision');
    const fila = await p.$$eval(`#por-vencer-titulo ~ table tr`, (rows) => rows.map((r) => r.textContent?.replace(/\s+/g, ' ').trim() ?? ''));
    const mia = fila.find((f) => f.includes(cerca));
    t.truthy(mia);
    t.regex(mia!, /Oficina de Asesoría Jurídica/);
    t.regex(mia!, /Quedan 1 día hábil/);
    t.false(fila.some((f) => f.includes(lejos)));
    t.regex(await p.$eval('#por-vencer-titulo', (e) => e.textContent ?? ''), /^Por vencer en 2 días hábiles o menos\s+\d+$/);
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('a supervisor reassigns a case: both derivations in the seguimiento, with the supervisor as actor', async (t) => {
  const { stack, supervisor } = t.context;
  const numero = await file(t, `Reasignación ${uid()}`);
  await act(supervisor, numero, 'derivar', { unidad: 'OAJ', proveido: 'Atender con prioridad' });
  await act(supervisor, numero, 'derivar', { unidad: 'GG', proveido: 'Reasignado a Gerencia General' });
  const vista = (await (await supervisor.get(`/api/v1/expedientes/${numero}`)).json()) as { seguimiento: { accion: string; actor: string; unidad: string | null; nota: string | null }[] };
  t.deepEqual(
    vista.seguimiento.filter((p) => p.accion === 'DERIVAR').map((p) => [p.actor, p.unidad, p.nota]),
    [
      ['supervisor@demo.gob.pe', 'OAJ', 'Atender con prioridad'],
      ['supervisor@demo.gob.pe', 'GG', 'Reasignado a Gerencia General'],
    ],
  );
  const { id } = await stack.db('expedientes').where({ numero }).first('id');
  t.deepEqual(await stack.db('historial').where({ expediente_id: id, accion: 'DERIVAR' }).orderBy('secuencia').pluck('unidad'), ['OAJ', 'GG']);
});

test('in a browser: the dashboard with its chart, zeros and Mesa de Partes links; Temporal only for supervisors, labelled', async (t) => {
  const { stack, mesa, estadistica, vacia } = t.context;
  const pendiente = await file(t, `Mesa de partes ${uid()}`);
  const enOaj = await file(t, `En la unidad ${uid()}`);
  await act(mesa, enOaj, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
  const ui = stack.config.temporal.uiUrl;
  const { browser, errors, session } = await openBrowser(stack.base);
  try {
    const p = await session('supervisor@demo.gob.pe', '/supervision');
    t.is(new URL(p.url()).pathname, '/supervision');

    // The chart: an SVG image with its title and description, 12 weeks of two bars, the numbers in a table.
    const svg = await p.$eval('.tablero-semanas svg', (e) => ({
      role: e.getAttribute('role'),
      labelledby: e.getAttribute('aria-labelledby'),
      title: e.querySelector('title')?.textContent ?? '',
      desc: e.querySelector('desc')?.textContent ?? '',
      semanas: e.querySelectorAll('g.grafico-semana').length,
      barras: e.querySelectorAll('rect').length,
      etiquetas: Array.from(e.querySelectorAll('g.grafico-semana text')).map((x) => x.textContent),
    }));
    t.is(svg.role, 'img');
    t.is(svg.labelledby, 'grafico-titulo grafico-desc');
    t.regex(svg.title, /Expedientes recibidos y atendidos por semana, últimas 12 semanas/);
    t.regex(svg.desc, /en total \d+ recibidos y \d+ atendidos/);
    t.is(svg.semanas, 12);
    t.is(svg.barras, 24);
    t.is(svg.etiquetas.length, 12);
    t.is(await p.$$eval('table.semanas-tabla tbody tr', (rows) => rows.length), 12);

    // Attention times and the office with no cases, in zeros.
    const celdas = (codigo: string) => p.$$eval(`table.tiempos tr[data-unidad="${codigo}"] td`, (tds) => tds.map((td) => td.textContent?.trim()));
    t.deepEqual(await celdas(estadistica), ['5', '3', '10', '75%', '7', '4', '10', '67%']);
    t.deepEqual(await celdas(vacia), ['0', '—', '—', '—', '0', '—', '—', '—']);
    t.is(await p.$('table.tiempos tr[data-unidad="MP"]'), null, 'mesa de partes validates and derives, it attends nothing');
    const vaciaConteos = await p.$$eval('.tablero-unidades tbody tr', (rows) =>
      rows.filter((r) => r.querySelector('th')?.textContent?.includes('Oficina Sin Expedientes')).map((r) => Array.from(r.querySelectorAll('td.cifra')).map((td) => td.textContent?.trim())),
    );
    t.deepEqual(vaciaConteos, [['0', '0', '0', '0', '0', '0']]);

    // Mesa de Partes: first, its links select its cases (no empty unidad), its Temporal link no empty Unidad.
    const mesaFila = await p.$eval('.tablero-unidades tbody tr', (r) => ({
      nombre: r.querySelector('th')?.textContent?.trim(),
      enlaces: Array.from(r.querySelectorAll('a')).map((a) => a.href),
    }));
    t.is(mesaFila.nombre, 'Mesa de Partes');
    t.true(mesaFila.enlaces.includes(`${stack.base}/bandeja/por-validar?unidad=MP`));
    const hrefs = await p.$$eval('a', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    for (const h of hrefs.filter((x) => x.includes('unidad='))) t.regex(h, /[?&]unidad=[A-Z0-9]+(&|$)/, h);
    t.false(hrefs.some((h) => decodeURIComponent(h).includes('Unidad = ""')));
    await Promise.all([p.waitForNavigation(), p.click('.tablero-unidades tbody tr:first-child a[href="/bandeja/por-validar?unidad=MP"]')]);
    t.truthy(await p.$(`table.bandeja a[href="/expedientes/${pendiente}"]`), 'the pending case is in the tray the link opens');
    await p.goto(`${stack.base}/supervision`);

    // Temporal links: every one labelled «Ver el flujo técnico en Temporal».
    const temporal = await p.$$eval('main a', (as, ui) => as.filter((a) => a.href.startsWith(ui)).map((a) => a.textContent?.replace(/\s+/g, ' ').trim() ?? ''), ui);
    t.true(temporal.length >= 8);
    for (const label of temporal) t.true(label.startsWith('Ver el flujo técnico en Temporal'), label);
    t.deepEqual(await axeViolations(p), []);
    t.deepEqual(await widths(p, 'supervision'), { 1280: 1280, 390: 390 });

    // The supervisor's case list shows the link too, with its label.
    await p.goto(`${stack.base}/`);
    t.deepEqual(await p.$$eval('main a', (as, ui) => as.filter((a) => a.href.startsWith(ui)).map((a) => a.textContent?.trim()), ui), ['Ver el flujo técnico en Temporal']);

    // Mesa de partes and an office never see a link to Temporal, nor the word.
    const sinTemporal = async (usuario: string, paths: string[]) => {
      const q = await session(usuario, paths[0]);
      for (const path of paths) {
        await q.goto(`${stack.base}${path}`);
        const { links, text } = await q.evaluate((ui) => ({ links: Array.from(document.querySelectorAll('a')).filter((a) => a.href.startsWith(ui)).length, text: document.body.textContent ?? '' }), ui);
        t.is(links, 0, `${usuario} ${path}`);
        t.false(text.includes('Temporal'), `${usuario} ${path}`);
      }
      await q.browserContext().close();
    };
    await sinTemporal('mesa@demo.gob.pe', ['/', '/bandeja/por-validar', '/bandeja/observados', '/bandeja/todos', `/expedientes/${pendiente}`]);
    await sinTemporal('unidad@demo.gob.pe', ['/', '/bandeja/por-recibir', '/bandeja/todos', `/expedientes/${enOaj}`]);
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

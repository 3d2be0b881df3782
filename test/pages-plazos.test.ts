// Citizens see what they must do (issue #15): an observed case shows its filer the deadline written
// out («Subsanar hasta el martes 01/12/2026, 23:59») with a «Subsanar» button, in Mis trámites, on
// the case and in the casilla's observation; every deadline says whose it is; one that no longer
// applies (subsanado, attended) is gone. In a real browser; SCREENSHOTS_DIR keeps screenshots
// (plazos-*.png, at 1280 and 390 px).
import { join } from 'node:path';
import type { Page as BrowserPage } from 'puppeteer-core';
import { sharedStack, type Shared } from './helpers/shared';
import { uid } from './helpers/stack';
import { actionMultipart, fileMultipart, makePdf, type Client } from './helpers/http';
import { openBrowser } from './helpers/browser';
import { unescapeHtml } from './helpers/html';
import { until } from './helpers/wait';
import { estadoQuery, workflowIdFor } from '../workflows/definitions';
import type { ExpedienteDetalle } from '../services/expedientes/consultas';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe' });
type Ctx = Shared<'ciudadano' | 'mesa' | 'unidad'>;

async function html(base: string, c: Client, path: string) {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c.cookie } });
  return unescapeHtml(await res.text());
}

async function file(t: { context: Ctx }, asunto: string) {
  const r = await fileMultipart(t.context.stack.base, t.context.ciudadano, { asunto: `${asunto} ${uid()}` });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

async function act(c: Client, numero: string, accion: string, body: Record<string, string> = {}) {
  const r = await c.post(`/api/v1/expedientes/${numero}/${accion}`, body);
  if (r.status !== 200) throw new Error(`${accion} ${numero}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The workflow computed the plazo of the case's state (`tipo`) and projected it; returns its end. */
async function settled(t: { context: Ctx }, numero: string, tipo: 'validacion' | 'subsanacion' | 'atencion') {
  const handle = t.context.stack.client.workflow.getHandle(workflowIdFor(numero));
  let vence = new Date(NaN);
  await until(async () => {
    const v = await handle.query(estadoQuery);
    if (v.plazo?.tipo !== tipo) return false;
    const row = await t.context.stack.db('expedientes').where({ numero }).first('vence_en');
    vence = new Date(v.plazo.vence);
    return !!row.vence_en && new Date(row.vence_en).getTime() === vence.getTime();
  });
  return vence;
}

/** An instant as the pages must write a deadline, by the platform's own Spanish calendar: 'martes 01/12/2026, 23:59'. */
function escrito(d: Date) {
  const parts = new Intl.DateTimeFormat('es-PE', {
    timeZone: 'America/Lima', weekday: 'long', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(d);
  const part = (type: string) => parts.find((x) => x.type === type)!.value;
  return `${part('weekday')} ${part('day')}/${part('month')}/${part('year')}, ${part('hour')}:${part('minute')}`;
}

const shots = process.env.SCREENSHOTS_DIR;
/** The page at 1280 px and at 390 px (a phone), full length. */
async function shoot(p: BrowserPage, name: string) {
  if (!shots) return;
  await p.screenshot({ path: join(shots, `plazos-${name}.png`) as `${string}.png`, fullPage: true });
  await p.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  await p.screenshot({ path: join(shots, `plazos-${name}-390.png`) as `${string}.png`, fullPage: true });
  await p.setViewport({ width: 1280, height: 900 });
}

const textOf = (p: BrowserPage, selector: string) => p.$eval(selector, (el) => (el as HTMLElement).innerText.replace(/\s+/g, ' ').trim());
const rowSelector = (numero: string) => `tr:has(a[href="/expedientes/${numero}"])`;

test('in a browser: an observed case shows «Su plazo para subsanar», written out, and «Subsanar» in Mis trámites, on the case and in the casilla; subsanado, all of it is gone', async (t) => {
  const { stack, mesa } = t.context;
  const base = stack.base;
  const numero = await file(t, 'Licencia observada');
  await act(mesa, numero, 'observar', { motivo: 'Adjunte el croquis de ubicación del local.' });
  const vence = await settled(t, numero, 'subsanacion');
  const hasta = `Subsanar hasta el ${escrito(vence)}`;
  t.regex(hasta, /^Subsanar hasta el (lunes|martes|miércoles|jueves|viernes) \d\d\/\d\d\/\d{4}, 23:59$/);
  // The observation deposited in the casilla.
  let obsId = 0;
  await until(async () => {
    const n = await stack.db('notificaciones as n').join('expedientes as e', 'e.id', 'n.expediente_id').where({ 'e.numero': numero, 'n.tipo': 'OBSERVACION' }).first('n.id');
    obsId = n?.id ?? 0;
    return obsId > 0;
  });
  const subsanarHref = `/expedientes/${numero}#accion-subsanar`;

  const walk = await openBrowser(base);
  t.teardown(() => walk.close());
  const p = await walk.session('ciudadano@demo.pe', '/');

  // Mis trámites: the row says whose deadline, when, and leads to the form.
  t.is(await textOf(p, `${rowSelector(numero)} td.plazo`), `Su plazo para subsanar ${hasta} Subsanar el expediente ${numero}`);
  t.is(await p.$eval(`${rowSelector(numero)} td.plazo a.btn`, (a) => a.getAttribute('href')), subsanarHref);
  await shoot(p, 'mis-tramites');

  // The button opens the case at its subsanar form, in view.
  await Promise.all([p.waitForNavigation(), p.click(`${rowSelector(numero)} td.plazo a.btn`)]);
  t.is(new URL(p.url()).pathname + new URL(p.url()).hash, subsanarHref);
  t.true(await p.$eval('#accion-subsanar', (d) => (d as HTMLDetailsElement).open));
  t.true(await p.$eval('#accion-subsanar', (d) => d.getBoundingClientRect().top >= 0 && d.getBoundingClientRect().top < window.innerHeight), 'the form is in view');
  t.is(await textOf(p, '#plazo-subsanar'), `Su plazo para subsanar ${hasta}`);
  t.is(await p.$eval('#ir-subsanar', (a) => a.getAttribute('href')), '#accion-subsanar');
  t.is(await textOf(p, '#accion-subsanar .hint'), `${hasta}.`);
  await p.evaluate(() => window.scrollTo(0, 0));
  await shoot(p, 'expediente-observado');

  // The observation in the casilla: the same deadline and the same button.
  await p.goto(`${base}/casilla/${obsId}`);
  t.is(await textOf(p, '#plazo-titulo'), 'Su plazo para subsanar');
  t.true((await textOf(p, '.casilla-plazo')).includes(hasta));
  t.is(await p.$eval('.casilla-plazo #ir-subsanar', (a) => a.getAttribute('href')), subsanarHref);
  await shoot(p, 'casilla-observacion');

  // Staff read whose deadline it is, with no button: it is not theirs to subsanar.
  const staffCase = await html(base, mesa, `/expedientes/${numero}`);
  t.regex(staffCase, new RegExp(`<span class="plazo-de">Plazo del administrado para subsanar</span> <strong>${hasta}</strong>`));
  t.false(staffCase.includes('id="ir-subsanar"'));
  const staffNotice = await html(base, mesa, `/casilla/${obsId}`);
  t.regex(staffNotice, /<h2 id="plazo-titulo">Plazo del administrado para subsanar<\/h2>/);
  t.false(staffNotice.includes('id="ir-subsanar"'));

  // Subsanar from the form: the subsanación's deadline is gone everywhere, the entity's runs.
  await p.goto(`${base}${subsanarHref}`);
  await p.type('#f-subsanar-nota', 'Adjunto el croquis pedido.');
  await Promise.all([p.waitForNavigation(), p.click('#accion-subsanar button[type="submit"]')]);
  t.regex(new URL(p.url()).pathname, new RegExp(`^/expedientes/${numero}/subsanaciones/1$`));
  const validar = await settled(t, numero, 'validacion');

  await p.goto(`${base}/`);
  const row = await textOf(p, rowSelector(numero));
  t.false(row.includes('Su plazo para subsanar'), row);
  t.false(row.includes(hasta), row);
  t.true(row.includes(`Plazo de la entidad para validar Hasta el ${escrito(validar)}`), row);
  t.is(await p.$(`${rowSelector(numero)} a[href="${subsanarHref}"]`), null);

  await p.goto(`${base}/expedientes/${numero}`);
  const caso = await textOf(p, 'main');
  t.false(caso.includes('Su plazo para subsanar'), 'no subsanación deadline on the case');
  t.false(caso.includes('Subsanar hasta'));
  t.is(await p.$('#ir-subsanar'), null);
  t.is(await p.$('#accion-subsanar'), null);
  t.true(caso.includes(`Plazo de la entidad para validar Hasta el ${escrito(validar)}`), caso);
  await shoot(p, 'expediente-subsanado');

  await p.goto(`${base}/casilla/${obsId}`);
  t.is(await p.$('.casilla-plazo'), null);
  t.is(await p.$('#ir-subsanar'), null);
  t.is(await textOf(p, '.plazo-terminado'), 'El plazo de esta notificación ya no corre: el expediente está pendiente de validación.');

  // Back in mesa de partes' tray, marked.
  const m = await walk.session('mesa@demo.gob.pe', `/bandeja/por-validar?numero=${numero}`);
  t.is(await textOf(m, `${rowSelector(numero)} th.num .subsanado`), 'subsanado');
  t.true((await textOf(m, 'thead')).includes('Plazo de la entidad para validar'));
  await shoot(m, 'bandeja-subsanado');
  t.deepEqual(walk.errors, []);
});

test('every deadline says whose it is, to the citizen and to staff; an attended case shows none', async (t) => {
  const { stack, ciudadano, mesa, unidad } = t.context;
  const base = stack.base;
  const numero = await file(t, 'Solicitud atendida');
  const validar = await settled(t, numero, 'validacion');
  t.regex(await html(base, mesa, `/expedientes/${numero}`), new RegExp(`<dt>Plazo de la entidad para validar</dt><dd class="plazo-vence">Hasta el ${escrito(validar)}</dd>`));
  t.regex(await html(base, ciudadano, `/expedientes/${numero}`), new RegExp(`<dt>Plazo de la entidad para validar</dt><dd class="plazo-vence">Hasta el ${escrito(validar)}</dd>`));

  await act(mesa, numero, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
  await act(unidad, numero, 'recibir');
  const atender = await settled(t, numero, 'atencion');
  const suyo = `<dt>Plazo de la entidad para atender</dt><dd class="plazo-vence">Hasta el ${escrito(atender)}</dd>`;
  t.regex(await html(base, unidad, `/expedientes/${numero}`), new RegExp(suyo));
  t.regex(await html(base, ciudadano, `/expedientes/${numero}`), new RegExp(suyo));
  const lista = await html(base, ciudadano, `/?numero=${numero}`);
  t.regex(lista, new RegExp(`<span class="plazo-de">Plazo de la entidad para atender</span>\\s*<span class="plazo-vence">Hasta el ${escrito(atender)}</span>`));
  t.regex(await html(base, mesa, `/?numero=${numero}`), new RegExp(`<span class="plazo-de">Plazo de la entidad para atender</span> <span class="plazo-vence">Hasta el ${escrito(atender)}</span>`));
  const enProceso = await html(base, unidad, `/bandeja/en-proceso?numero=${numero}`);
  t.regex(enProceso, /<th scope="col">Plazo de la entidad para atender<\/th>/);
  const todos = await html(base, mesa, `/bandeja/todos?numero=${numero}`);
  t.regex(todos, /<span class="plazo-de">Plazo de la entidad para atender<\/span>/, 'a tray of mixed plazos names each');
  const api = (await (await ciudadano.get(`/api/v1/expedientes/${numero}`)).json()) as ExpedienteDetalle;
  t.like(api.plazo, { tipo: 'atencion', de: 'entidad', descripcion: 'Plazo de la entidad para atender' });

  const r = await actionMultipart(base, unidad, numero, 'atender', { comentario: 'Se atiende lo solicitado' }, [{ field: 'respuesta', name: 'respuesta.pdf', data: await makePdf(1, 'Respuesta') }]);
  t.is(r.status, 200, JSON.stringify(r.body));
  await until(async () => (await stack.db('expedientes').where({ numero }).first('estado')).estado === 'ATENDIDO');

  // Attended: no deadline anywhere, for anyone.
  for (const [who, c] of [['ciudadano', ciudadano], ['unidad', unidad]] as const) {
    const page = await html(base, c, `/expedientes/${numero}`);
    t.false(page.includes('Plazo de la entidad'), who);
    t.false(page.includes('class="plazo-vence"'), who);
  }
  const closedRow = /<tr[^>]*>\s*<td data-label="Número" class="num"><a href="\/expedientes\/[\d-]+">[\d-]+<\/a><\/td>[\s\S]*?<\/tr>/.exec(await html(base, ciudadano, `/?numero=${numero}`))![0];
  t.regex(closedRow, /<td data-label="Plazo" class="plazo">\s*<span class="muted">—<\/span>\s*<\/td>/);
  t.false((await html(base, mesa, `/?numero=${numero}`)).includes('Plazo de la entidad'));
  const closed = (await (await ciudadano.get(`/api/v1/expedientes/${numero}`)).json()) as ExpedienteDetalle;
  t.is(closed.plazo, null);
  t.is(closed.venceEn, null);

  const walk = await openBrowser(base);
  t.teardown(() => walk.close());
  const p = await walk.session('ciudadano@demo.pe', `/expedientes/${numero}`);
  t.false((await textOf(p, 'main')).includes('Plazo de la entidad'));
  t.is(await p.$('.plazo-vence'), null);
  await shoot(p, 'expediente-atendido');
  t.deepEqual(walk.errors, []);
});

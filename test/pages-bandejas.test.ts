// The tray pages and the supervisor's dashboard as staff use them: tabs per role, labelled filters,
// rows linking to the case, the overdue mark, export links carrying the filters, office isolation;
// then a real browser walks derivar (mesa de partes) → recibir → atender (OAJ) from the trays.
// Set SCREENSHOTS_DIR to keep screenshots (trays-*.png).
import { sharedStack, type Shared } from './helpers/shared';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page as BrowserPage } from 'puppeteer-core';
import { uid } from './helpers/stack';
import { extraAccount, fileMultipart, makePdf, type Client } from './helpers/http';
import { openBrowser } from './helpers/browser';
import { until } from './helpers/wait';
import { estadoQuery, workflowIdFor } from '../workflows/definitions';

const test = sharedStack(
  { ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' },
  async (stack) => ({ gerencia: await extraAccount(stack.base, stack.db, 'gerencia@demo.gob.pe', { rol: 'unidad', unidad_codigo: 'GG' }) }),
);
type Ctx = Shared<'ciudadano' | 'mesa' | 'unidad' | 'supervisor', { gerencia: Client }>;

interface Html {
  status: number;
  location: string | null;
  html: string;
}

async function page(base: string, c: Client | null, path: string): Promise<Html> {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c?.cookie ?? '' } });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** An attribute value as the browser reads it (Handlebars escapes `=` and `&`). */
const attr = (s: string) => s.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

async function file(t: { context: Ctx }, asunto: string) {
  const r = await fileMultipart(t.context.stack.base, t.context.ciudadano, { asunto });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

async function act(c: Client, numero: string, accion: string, body: Record<string, string> = {}) {
  const r = await c.post(`/api/v1/expedientes/${numero}/${accion}`, body);
  if (r.status !== 200) throw new Error(`${accion} ${numero}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The workflow computed the case's plazo and projected it: the read model is settled. */
async function settled(t: { context: Ctx }, numero: string) {
  const handle = t.context.stack.client.workflow.getHandle(workflowIdFor(numero));
  await until(async () => {
    const v = await handle.query(estadoQuery);
    const row = await t.context.stack.db('expedientes').where({ numero }).first('vence_en');
    return !!v.plazo && !!row.vence_en && new Date(row.vence_en).getTime() === Date.parse(v.plazo.vence);
  });
}

const tabsIn = (html: string) => [...html.matchAll(/<li><a href="\/bandeja\/([a-z-]+)"/g)].map((m) => m[1]);

test('/bandeja opens the role\'s first tray, with the tabs of its role', async (t) => {
  const { stack, mesa, unidad, supervisor, ciudadano } = t.context;
  const first = async (c: Client) => (await page(stack.base, c, '/bandeja')).location;
  t.is(await first(mesa), '/bandeja/por-validar');
  t.is(await first(unidad), '/bandeja/por-recibir');
  t.is(await first(supervisor), '/bandeja/por-validar');

  const m = await page(stack.base, mesa, '/bandeja/por-validar');
  t.is(m.status, 200);
  t.deepEqual(tabsIn(m.html), ['por-validar', 'observados', 'todos']);
  t.regex(m.html, /<a href="\/bandeja\/por-validar" aria-current="page">Por validar<\/a>/);
  const u = await page(stack.base, unidad, '/bandeja/por-recibir');
  t.deepEqual(tabsIn(u.html), ['por-recibir', 'en-proceso', 'observados', 'atendidos', 'todos']);
  t.regex(u.html, /Bandeja de trabajo · Oficina de Asesoría Jurídica/);
  t.notRegex(u.html, /name="unidad"/, 'an office does not choose another office');
  const s = await page(stack.base, supervisor, '/bandeja/vencidos');
  t.deepEqual(tabsIn(s.html), ['por-validar', 'por-recibir', 'en-proceso', 'observados', 'atendidos', 'vencidos', 'sin-accion', 'todos']);
  t.regex(s.html, /<select id="f-unidad" name="unidad">/);

  t.is((await page(stack.base, ciudadano, '/bandeja')).status, 403);
  t.is((await page(stack.base, ciudadano, '/supervision')).status, 403);
  const anon = await page(stack.base, null, '/bandeja/todos');
  t.is(anon.status, 303);
  t.is(anon.location, '/ingresar?volver=%2Fbandeja%2Ftodos');
});

test('a tray page: rows link to the case, every filter has its label, text is escaped, exports carry the filters', async (t) => {
  const { stack, mesa } = t.context;
  const tag = `Pagina ${uid()}`;
  const numero = await file(t, `${tag} <script>alert(1)</script>`);
  const vencido = await file(t, `${tag} vencido`);
  await settled(t, vencido);
  await stack.db('expedientes').where({ numero: vencido }).update({ vence_en: new Date(Date.now() - 5 * 86_400_000), vencido: true });

  const { status, html } = await page(stack.base, mesa, `/bandeja/por-validar?asunto=${encodeURIComponent(tag)}`);
  t.is(status, 200);
  t.regex(html, new RegExp(`<th scope="row" class="num">\\s*<a href="/expedientes/${numero}">${numero}</a>`));
  t.true(html.includes(`${tag} &lt;script&gt;alert(1)&lt;/script&gt;`));
  t.false(html.includes('<script>alert(1)</script>'));
  t.regex(html, /<th scope="col">Plazo de la entidad para validar<\/th>/);
  const row = html.slice(html.indexOf(`href="/expedientes/${vencido}"`) - 200, html.indexOf(`href="/expedientes/${vencido}"`) + 1200);
  t.regex(row, /<tr class="vencido">/);
  t.regex(row, /<strong class="vencido-marca">Vencido hace \d+ días? hábil(es)?<\/strong>/);

  const form = html.slice(html.indexOf('<form method="get" action="/bandeja/por-validar"'), html.indexOf('</form>', html.indexOf('action="/bandeja/por-validar"')));
  const ids = [...form.matchAll(/<(?:input|select)[^>]*\sid="([^"]+)"/g)].map((m) => m[1]);
  t.deepEqual(ids, ['f-desde', 'f-hasta', 'f-numero', 'f-asunto', 'f-documento', 'f-tipo', 'f-vencido']);
  for (const id of ids) t.regex(form, new RegExp(`<label for="${id}">`), id);
  t.regex(form, new RegExp(`id="f-asunto" name="asunto" type="text" maxlength="200" value="${tag}"`));

  const q = new URLSearchParams({ asunto: tag }).toString();
  t.true(attr(html).includes(`href="/api/v1/bandejas/por-validar/export.xlsx?${q}"`));
  t.true(attr(html).includes(`href="/api/v1/bandejas/por-validar/export.pdf?${q}"`));

  const bad = await page(stack.base, mesa, '/bandeja/por-validar?desde=ayer');
  t.is(bad.status, 400);
  t.regex(bad.html, /role="alert"[\s\S]*La fecha «desde» debe ser AAAA-MM-DD\./);
  t.regex(bad.html, /id="f-desde" name="desde" type="date" value="ayer" aria-invalid="true"/);
});

test('an office\'s pages show only its own cases', async (t) => {
  const { stack, mesa, unidad, gerencia } = t.context;
  const tag = `Aislamiento ${uid()}`;
  const deGerencia = await file(t, `${tag} gerencia`);
  await act(mesa, deGerencia, 'derivar', { unidad: 'GG', proveido: 'Para conocimiento' });
  const propio = await file(t, `${tag} asesoria`);
  await act(mesa, propio, 'derivar', { unidad: 'OAJ', proveido: 'Para opinión' });

  const oaj = await page(stack.base, unidad, `/bandeja/por-recibir?asunto=${encodeURIComponent(tag)}`);
  t.true(oaj.html.includes(`href="/expedientes/${propio}"`));
  t.false(oaj.html.includes(deGerencia));
  t.true((await page(stack.base, gerencia, `/bandeja/por-recibir?asunto=${encodeURIComponent(tag)}`)).html.includes(`href="/expedientes/${deGerencia}"`));
  t.is((await page(stack.base, unidad, `/expedientes/${deGerencia}`)).status, 404);
  t.is((await page(stack.base, unidad, '/bandeja/por-recibir?unidad=GG')).status, 403);
  t.is((await page(stack.base, unidad, '/bandeja/por-validar')).status, 403);
  t.is((await page(stack.base, unidad, '/bandeja/no-existe')).status, 404);
});

test('the supervision page: counts, overdue and idle cases, links to the trays and to the Temporal Web UI', async (t) => {
  const { stack, mesa, supervisor, unidad } = t.context;
  const numero = await file(t, `Supervisión ${uid()}`);
  await act(mesa, numero, 'derivar', { unidad: 'OAJ', proveido: 'Atender' });
  await settled(t, numero);
  await stack.db('expedientes').where({ numero }).update({ vence_en: new Date(Date.now() - 3 * 86_400_000), vencido: true });

  const { status, html } = await page(stack.base, supervisor, '/supervision');
  t.is(status, 200);
  const ui = `${stack.config.temporal.uiUrl}/namespaces/${stack.config.temporal.namespace}/workflows`;
  const [n, year] = numero.split('-');
  t.true(html.includes(`href="/expedientes/${numero}"`));
  t.true(attr(html).includes(`href="${ui}/expediente-${year}-${n}"`));
  t.true(attr(html).includes(`href="${ui}?query=${encodeURIComponent('Vencido = true AND ExecutionStatus = "Running"')}"`));
  t.true(attr(html).includes(`href="${ui}?query=${encodeURIComponent('Estado = "DERIVADO"')}"`));
  t.true(attr(html).includes(`href="${ui}?query=${encodeURIComponent('Unidad = "OAJ" AND ExecutionStatus = "Running"')}"`));
  t.true(attr(html).includes('href="/bandeja/por-recibir?unidad=OAJ"'));
  t.regex(html, /<h2 id="sin-accion-titulo">Sin acción por 5 días hábiles o más/);
  t.regex(html, /<th scope="row">Oficina de Asesoría Jurídica<\/th>/);
  t.is((await page(stack.base, unidad, '/supervision')).status, 403);
  t.is((await page(stack.base, mesa, '/supervision')).status, 403);
});

// ---------------------------------------------------------------------------------------------
// A real browser: mesa de partes finds the case in its tray and derives it; the office receives it
// from "Por recibir" and attends it from "En proceso"; it ends in "Atendidos".

const shots = process.env.SCREENSHOTS_DIR;
async function shoot(p: BrowserPage, name: string) {
  if (shots) await p.screenshot({ path: join(shots, `trays-${name}.png`) as `${string}.png`, fullPage: true });
}

test('in a browser: derivar → recibir → atender from the trays', async (t) => {
  const { stack } = t.context;
  const base = stack.base;
  const tag = `Navegador ${uid()}`;
  const numero = await file(t, `${tag} solicitud de información`);
  await file(t, `${tag} otra solicitud`);
  const dir = await mkdtemp(join(tmpdir(), 'mpv-trays-'));
  const respuestaPath = join(dir, 'respuesta.pdf');
  await writeFile(respuestaPath, await makePdf(1, 'Respuesta de Asesoría Jurídica'));
  const { browser, errors, session } = await openBrowser(base);
  const rowLink = (n: string) => `table.bandeja a[href="/expedientes/${n}"]`;
  const text = (p: BrowserPage) => p.$eval('main', (e) => e.textContent ?? '');
  try {
    // Mesa de partes: the tray, a search, then the case opened with the keyboard.
    const mesa = await session('mesa@demo.gob.pe', '/bandeja');
    t.is(new URL(mesa.url()).pathname, '/bandeja/por-validar');
    await mesa.type('#f-asunto', tag);
    await Promise.all([mesa.waitForNavigation(), mesa.keyboard.press('Enter')]);
    t.is(await mesa.$$eval('table.bandeja tbody tr', (rows) => rows.length), 2);
    await shoot(mesa, 'por-validar');
    await mesa.focus(rowLink(numero));
    await Promise.all([mesa.waitForNavigation(), mesa.keyboard.press('Enter')]);
    t.is(new URL(mesa.url()).pathname, `/expedientes/${numero}`);
    await mesa.click('#accion-derivar summary');
    await mesa.select('#f-derivar-unidad', 'OAJ');
    await mesa.type('#f-derivar-proveido', 'Para su opinión legal.');
    await mesa.click('#f-derivar-confirmo');
    await Promise.all([mesa.waitForNavigation(), mesa.click('#accion-derivar button[type="submit"]')]);
    t.regex(await text(mesa), /El expediente fue derivado\./);
    await mesa.goto(`${base}/bandeja/por-validar?asunto=${encodeURIComponent(tag)}`);
    t.is(await mesa.$(rowLink(numero)), null, 'no longer waiting for validation');

    // The office: "Por recibir" → recibir → "En proceso" → atender with the response PDF.
    const unidad = await session('unidad@demo.gob.pe', '/bandeja');
    t.is(new URL(unidad.url()).pathname, '/bandeja/por-recibir');
    await shoot(unidad, 'por-recibir');
    await Promise.all([unidad.waitForNavigation(), unidad.click(rowLink(numero))]);
    await Promise.all([unidad.waitForNavigation(), unidad.click('form[data-accion="recibir"] button')]);
    t.regex(await text(unidad), /Usted recibió el expediente en su unidad\./);
    // Leaving the case page (it embeds the PDF viewer) waits for the tray's DOM only: under a
    // loaded machine the viewer can hold up the old page's unload and with it the 'load' event.
    await unidad.goto(`${base}/bandeja/en-proceso`, { waitUntil: 'domcontentloaded' });
    await Promise.all([unidad.waitForNavigation(), unidad.click(rowLink(numero))]);
    await unidad.click('#accion-atender summary');
    await unidad.type('#f-atender-comentario', 'Se emite opinión legal favorable.');
    const respuesta = await unidad.$('#f-atender-respuesta');
    await (respuesta as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(respuestaPath);
    await Promise.all([unidad.waitForNavigation(), unidad.click('#accion-atender button[type="submit"]')]);
    t.is(new URL(unidad.url()).search, '?ok=atender');
    t.regex(await text(unidad), /El expediente fue atendido\./);
    // The trays in a new tab: the case page embeds the PDF viewer, which under a loaded machine
    // can hold up leaving the page; the trays are what this part checks.
    const trays = await unidad.browserContext().newPage();
    trays.setDefaultTimeout(90_000);
    await trays.goto(`${base}/bandeja/en-proceso`, { waitUntil: 'domcontentloaded' });
    t.is(await trays.$(rowLink(numero)), null);
    await trays.goto(`${base}/bandeja/atendidos`, { waitUntil: 'domcontentloaded' });
    t.truthy(await trays.$(rowLink(numero)));

    const supervisor = await session('supervisor@demo.gob.pe', '/supervision');
    t.regex(await text(supervisor), /Por unidad/);
    await shoot(supervisor, 'supervision');
    const row = await stack.db('expedientes').where({ numero }).first('estado');
    t.is(row.estado, 'ATENDIDO');
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});

// The casilla pages as people use them: the tabs, filters, "Verificar nuevas notificaciones" and
// the export buttons; a notification opened (acuse de lectura) with its files and constancia; the
// unread badge; the staff view of the case (notificar form, deposited / read dates). Then a real
// browser: staff notify through the form, the citizen opens the casilla, reads the notification
// and downloads its constancia. SCREENSHOTS_DIR keeps screenshots (casilla-*.png).
import { sharedStack, type Shared } from './helpers/shared';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page as BrowserPage } from 'puppeteer-core';
import { uid } from './helpers/stack';
import { actionMultipart, fileMultipart, makePdf, type Client } from './helpers/http';
import { openBrowser } from './helpers/browser';
import { until } from './helpers/wait';
import type { PaginaCasilla } from '../services/casilla/casilla';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe' });
type Ctx = Shared<'ciudadano' | 'mesa'>;

const sha256 = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');

async function page(base: string, c: Client | null, path: string) {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c?.cookie ?? '' } });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** A case with a carta notified, then observed: two notifications in the citizen's casilla. */
async function caseWithNotifications(t: { context: Ctx }, asunto: string) {
  const { stack, ciudadano, mesa } = t.context;
  const r = await fileMultipart(stack.base, ciudadano, { asunto: `${asunto} ${uid()}` });
  const numero = r.body.numero as string;
  const n = await actionMultipart(stack.base, mesa, numero, 'notificar', { tipoDocumento: 'CARTA', asunto: `Carta <script>x</script> ${uid()}`, detalle: 'Le remitimos la carta.' }, [
    { field: 'documentos', name: 'carta.pdf', data: await makePdf(1, 'Carta') },
  ]);
  if (n.status !== 200) throw new Error(`notificar: ${n.status} ${JSON.stringify(n.body)}`);
  await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Adjunte el plano de ubicación' });
  const list = (await (await ciudadano.get('/api/v1/casilla?limite=100')).json()) as PaginaCasilla;
  return { numero, items: list.notificaciones.filter((x) => x.expediente === numero) };
}

test('the casilla page: tabs, columns, filters, verificar, exports, the badge; a notification opened is read', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const { numero, items } = await caseWithNotifications(t, 'Casilla en páginas');
  t.is(items.length, 2);
  const [obs, carta] = items;

  const p = await page(stack.base, ciudadano, '/casilla');
  t.is(p.status, 200);
  for (const th of ['Año', 'Asunto', 'Dependencia', 'Emisor', 'Tipo de documento', 'Número', 'Fecha de emisión', 'Fecha de depósito']) t.true(p.html.includes(`<th scope="col">${th}</th>`), th);
  t.regex(p.html, /<a href="\/casilla" aria-current="page">Pendientes por leer <span class="badge">\d+<\/span><\/a>/);
  t.true(p.html.includes(`href="/casilla/${obs.id}"`));
  t.true(p.html.includes('Carta &lt;script&gt;x&lt;/script&gt;'));
  t.false(p.html.includes('<script>x</script>'));
  const unread = (await (await ciudadano.get('/api/v1/casilla/no-leidas')).json()) as { noLeidas: number };
  t.regex(p.html, new RegExp(`Casilla electrónica <span class="badge" title="Notificaciones sin leer">${unread.noLeidas}</span>`));
  t.true(p.html.includes('href="/api/v1/casilla/export.xlsx?leida&#x3D;false"'));
  t.true(p.html.includes('href="/api/v1/casilla/export.pdf?leida&#x3D;false"'));
  t.true(p.html.includes('id="verificar"'));

  const filtered = await page(stack.base, ciudadano, `/casilla?tipo=Carta&asunto=${encodeURIComponent(carta.asunto.slice(0, 20))}`);
  t.true(filtered.html.includes(`href="/casilla/${carta.id}"`));
  t.false(filtered.html.includes(`href="/casilla/${obs.id}"`));
  t.regex(filtered.html, /<option value="Carta" selected>Carta<\/option>/);
  t.regex(filtered.html, /href="\/api\/v1\/casilla\/export\.xlsx\?[^"]*tipo&#x3D;Carta&amp;leida&#x3D;false"/);
  const verificado = await page(stack.base, ciudadano, '/casilla?verificar=1');
  t.regex(verificado.html, /Casilla verificada el \d\d\/\d\d\/\d{4} \d\d:\d\d: tiene \d+ notificaciones pendientes por leer\./);
  const bad = await page(stack.base, ciudadano, '/casilla?desde=2026-13-01');
  t.is(bad.status, 400);
  t.true(bad.html.includes('La fecha «desde» debe ser AAAA-MM-DD.'));

  // Opening is reading: the page shows the instant, the plazo and the files; the tabs follow.
  const opened = await page(stack.base, ciudadano, `/casilla/${obs.id}`);
  t.is(opened.status, 200);
  t.regex(opened.html, /<dd id="leida">\d\d\/\d\d\/\d{4} \d\d:\d\d<\/dd>/);
  t.true(opened.html.includes('<h2 id="plazo-titulo">Su plazo para subsanar</h2>'));
  t.true(opened.html.includes('Adjunte el plano de ubicación'));
  t.true(opened.html.includes(`href="/api/v1/casilla/${obs.id}/constancia.pdf?descargar=1"`));
  const pendientes = await page(stack.base, ciudadano, '/casilla');
  t.false(pendientes.html.includes(`href="/casilla/${obs.id}"`));
  const leidos = await page(stack.base, ciudadano, '/casilla?bandeja=leidos');
  t.true(leidos.html.includes(`href="/casilla/${obs.id}"`));
  t.regex(leidos.html, /<a href="\/casilla\?bandeja=leidos" aria-current="page">Leídos<\/a>/);
  t.true(leidos.html.includes('<th scope="col">Leída el</th>'));

  // Staff: the case view lists each notification with deposited / read, and the notificar form.
  const staff = await page(stack.base, mesa, `/expedientes/${numero}`);
  t.true(staff.html.includes('Notificaciones en la casilla electrónica'));
  const rowOf = (id: number) => new RegExp(`<tr data-notificacion="${id}">[\\s\\S]*?</tr>`).exec(staff.html)?.[0] ?? '';
  t.regex(rowOf(obs.id), /<td data-label="Leída" class="fecha">\d\d\/\d\d\/\d{4} \d\d:\d\d<\/td>/);
  t.regex(rowOf(carta.id), /sin leer/);
  // Observed, the case is no longer mesa de partes' to notify on.
  t.false(staff.html.includes('id="accion-notificar"'));
  const staffOpen = await page(stack.base, mesa, `/casilla/${carta.id}`);
  t.true(staffOpen.html.includes('Vista del personal'));
  t.regex(staffOpen.html, /<dd id="leida">Sin leer<\/dd>/);

  // Who may not: staff have no casilla; anonymous visitors log in first; others get 404.
  t.is((await page(stack.base, mesa, '/casilla')).status, 403);
  const anon = await page(stack.base, null, '/casilla?bandeja=leidos');
  t.is(anon.status, 303);
  t.is(anon.location, `/ingresar?volver=${encodeURIComponent('/casilla?bandeja=leidos')}`);
  t.is((await page(stack.base, ciudadano, '/casilla/99999999')).status, 404);
});

// ---------------------------------------------------------------------------------------------

const shots = process.env.SCREENSHOTS_DIR;
async function shoot(p: BrowserPage, name: string) {
  if (shots) await p.screenshot({ path: join(shots, `casilla-${name}.png`) as `${string}.png`, fullPage: true });
}

test('in a browser: staff notify through the form; the citizen reads the notification and downloads its constancia', async (t) => {
  const { stack } = t.context;
  const base = stack.base;
  const dir = await mkdtemp(join(tmpdir(), 'mpv-casilla-'));
  const oficio = join(dir, 'oficio-012.pdf');
  await writeFile(oficio, await makePdf(2, 'Oficio de requerimiento'));
  const r = await fileMultipart(base, t.context.ciudadano, { asunto: 'Trámite leído en el navegador' });
  const numero = r.body.numero as string;
  const downloads = join(dir, 'descargas');
  const walk = await openBrowser(base);
  const { browser, errors } = walk;
  const session = (usuario: string, volver: string) => walk.session(usuario, volver, { downloadPath: downloads });
  try {
    // Mesa de partes notifies with the form (multipart through acciones.js).
    const mesa = await session('mesa@demo.gob.pe', `/expedientes/${numero}`);
    await shoot(mesa, 'expediente-personal');
    await mesa.click('#accion-notificar summary');
    await mesa.select('#f-notificar-tipoDocumento', 'OFICIO');
    await mesa.type('#f-notificar-numeroDocumento', '012-2026-MP');
    await mesa.type('#f-notificar-asunto', 'Requerimiento de copia del DNI');
    await mesa.type('#f-notificar-detalle', 'Remita copia legible de su DNI.');
    const input = await mesa.$('#f-notificar-documentos');
    await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(oficio);
    await Promise.all([mesa.waitForNavigation(), mesa.click('#accion-notificar button[type="submit"]')]);
    t.is(new URL(mesa.url()).search, '?ok=notificar');
    t.regex(await mesa.$eval('main', (e) => e.textContent ?? ''), /Se depositó la notificación en la casilla electrónica del administrado\./);
    t.regex(await mesa.$eval('main', (e) => e.textContent ?? ''), /Oficio 012-2026-MP[\s\S]*sin leer/);

    // The citizen: badge, the list, open (read), download the original and the constancia.
    const p = await session('ciudadano@demo.pe', '/casilla');
    t.is(new URL(p.url()).pathname, '/casilla');
    t.regex(await p.$eval('nav.principal', (e) => e.textContent ?? ''), /Casilla electrónica\s*\d+/);
    await shoot(p, 'lista');
    const href = await p.$$eval('table.casilla-lista a', (as) => as.find((a) => a.textContent?.includes('Requerimiento de copia del DNI'))?.getAttribute('href'));
    t.regex(href ?? '', /^\/casilla\/\d+$/);
    await Promise.all([p.waitForNavigation(), p.click(`a[href="${href}"]`)]);
    const detalle = await p.$eval('main', (e) => e.textContent ?? '');
    t.regex(detalle, /Oficio 012-2026-MP/);
    t.regex(detalle, /Remita copia legible de su DNI\./);
    t.regex(await p.$eval('#leida', (e) => e.textContent ?? ''), /^\d\d\/\d\d\/\d{4} \d\d:\d\d$/);
    await shoot(p, 'notificacion');

    await p.click('#descargar-constancia');
    let saved: string[] = [];
    await until(async () => (saved = (await readdir(downloads).catch(() => [] as string[])).filter((f) => f.endsWith('.pdf'))).length > 0, 200);
    t.regex(saved[0], new RegExp(`^constancia-notificacion-${numero}-\\d+\\.pdf$`));
    const pdf = await readFile(join(downloads, saved[0]));
    t.is(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    const codigo = (await p.$eval('dd.mono a', (e) => e.textContent ?? '')).trim();
    const v = (await (await fetch(`${base}/api/v1/verificacion/${codigo}`)).json()) as { sha256: string };
    t.is(v.sha256, sha256(pdf), 'the downloaded constancia is the one registered under its code');

    // Back in the casilla it is under "Leídos"; the public verification page says what it certifies.
    await p.goto(`${base}/casilla?bandeja=leidos`);
    t.regex(await p.$eval('table.casilla-lista', (e) => e.textContent ?? ''), /Requerimiento de copia del DNI/);
    await p.goto(`${base}/verificacion/${codigo}`);
    t.regex(await p.$eval('main', (e) => e.textContent ?? ''), /Documento notificado\s*Oficio 012-2026-MP — Requerimiento de copia del DNI/);
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});

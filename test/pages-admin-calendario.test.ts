// The admin's non-working days page by year (issue #15): the national holidays the calendar knows
// (Jueves and Viernes Santo computed from Easter) beside the days the admin registered, each marked
// for what it is; a year selector (?anio=) with a clear 400 for a year that is not one; and the
// admin navigation, with a way back, on every admin page (Personal and Tokens de API included).
// Pages in Chromium, with axe-core finding no violation. Set SCREENSHOTS_DIR to keep screenshots
// (admin-calendario-*.png, admin-personal-*.png at 1280 and 390 px).
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { sharedStack } from './helpers/shared';
import type { Client } from './helpers/http';
import { axeViolations, openBrowser, widths } from './helpers/browser';
import { unescapeHtml } from './helpers/html';
import { nationalHolidays } from '../domain/calendar';

const test = sharedStack({ admin: 'admin@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' });

async function page(base: string, c: Client | null, path: string) {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c?.cookie ?? '' } });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

async function postForm(base: string, c: Client, path: string, fields: Record<string, string>) {
  const res = await fetch(base + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { accept: 'text/html', cookie: c.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, _csrf: c.csrf }),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** The rows of the year's table as [date, description, type]. */
function filas(html: string) {
  return [...unescapeHtml(html).matchAll(/<tr class="dia-[^"]*" data-fecha="([\d-]+)" data-tipo="(NACIONAL|ENTIDAD)">[\s\S]*?<td data-label="Descripción">([^<]*)/g)].map((m) => [m[1], m[3].trim(), m[2]]);
}

test('2027: every national holiday (Jueves Santo 25/03, Viernes Santo 26/03) beside the day the admin added, each marked', async (t) => {
  const { stack, admin } = t.context;
  const added = await postForm(stack.base, admin, '/admin/calendario', { fecha: '2027-06-11', descripcion: 'Día no laborable (D.S. de prueba)' });
  t.is(added.status, 303);
  t.regex(added.location!, /^\/admin\/calendario\?agregado=2027-06-11&recalculados=/);
  // Back on the page, the year of the day just added.
  const after = await page(stack.base, admin, added.location!);
  t.regex(after.html, /<h1>Días no laborables 2027<\/h1>/);
  t.regex(after.html, /Se registró el 2027-06-11 como día no laborable\./);

  const { html } = await page(stack.base, admin, '/admin/calendario?anio=2027');
  const rows = filas(html);
  t.deepEqual(
    rows.filter((r) => r[2] === 'NACIONAL').map((r) => r[0]),
    nationalHolidays(2027),
  );
  t.true(rows.some((r) => r[0] === '2027-03-25' && r[1] === 'Jueves Santo' && r[2] === 'NACIONAL'));
  t.true(rows.some((r) => r[0] === '2027-03-26' && r[1] === 'Viernes Santo' && r[2] === 'NACIONAL'));
  t.true(rows.some((r) => r[0] === '2027-07-28' && r[1] === 'Fiestas Patrias'));
  t.deepEqual(rows.filter((r) => r[2] === 'ENTIDAD'), [['2027-06-11', 'Día no laborable (D.S. de prueba)', 'ENTIDAD']]);
  // In date order, each marked for what it is; only the admin's day can be removed.
  t.deepEqual(rows.map((r) => r[0]), rows.map((r) => r[0]).sort());
  t.regex(html, /data-fecha="2027-03-25" data-tipo="NACIONAL">[\s\S]*?Feriado nacional<\/span><\/td>\s*<td class="acciones-dia">\s*<\/td>/);
  t.regex(html, /data-fecha="2027-06-11" data-tipo="ENTIDAD">[\s\S]*?Registrado por la entidad<\/span>[\s\S]*?action="\/admin\/calendario\/2027-06-11\/eliminar"/);
  t.is((html.match(/\/eliminar"/g) ?? []).length, 1);
  t.regex(html, /<h2 id="anio-titulo">Año 2027: 16 feriados nacionales y 1 día registrado por la entidad<\/h2>/);
  t.regex(html, /href="\/admin\/calendario\?anio=2026" rel="prev">← 2026<\/a>/);
  t.regex(html, /href="\/admin\/calendario\?anio=2028" rel="next">2028 →<\/a>/);

  // Another year: its own Holy Week (Easter 2028 is 16 April), without 2027's registered day.
  const y2028 = filas((await page(stack.base, admin, '/admin/calendario?anio=2028')).html);
  t.true(y2028.some((r) => r[0] === '2028-04-13' && r[1] === 'Jueves Santo'));
  t.true(y2028.some((r) => r[0] === '2028-04-14' && r[1] === 'Viernes Santo'));
  t.false(y2028.some((r) => r[2] === 'ENTIDAD'));
});

test('a year that is not one: 400 with the message beside the selector, this year shown; other roles 403', async (t) => {
  const { stack, admin, supervisor } = t.context;
  for (const anio of ['dosmil', '1500', '2027.5', '99999']) {
    const bad = await page(stack.base, admin, `/admin/calendario?anio=${anio}`);
    t.is(bad.status, 400, anio);
    t.regex(bad.html, /id="f-anio-error">El año debe ser un número de 2000 a 2100\.<\/p>/, anio);
    t.regex(bad.html, /href="#f-anio">Ir al campo con el problema/);
    t.true(bad.html.includes(`value="${anio}"`), 'the typed year is kept');
    t.regex(bad.html, new RegExp(`<h1>Días no laborables ${new Date().getFullYear()}</h1>|<h1>Días no laborables ${new Date().getFullYear() - 1}</h1>`));
  }
  t.is((await page(stack.base, supervisor, '/admin/calendario?anio=2027')).status, 403);
  t.is((await page(stack.base, null, '/admin/calendario?anio=2027')).status, 303);
});

test('every admin page has the admin navigation with a way back; Personal and Tokens de API sit with them, not in the account menu', async (t) => {
  const { stack, admin } = t.context;
  const pages: [string, string, string][] = [
    ['/admin/unidades', '/admin/unidades', '/admin'],
    ['/admin/unidades/OAJ', '/admin/unidades', '/admin/unidades'],
    ['/admin/personal', '/admin/personal', '/admin'],
    ['/admin/tipos', '/admin/tipos', '/admin'],
    ['/admin/tipos/CARTA', '/admin/tipos', '/admin/tipos'],
    ['/admin/horario', '/admin/horario', '/admin'],
    ['/admin/calendario', '/admin/calendario', '/admin'],
    ['/admin/auditoria', '/admin/auditoria', '/admin'],
    ['/admin/tokens', '/admin/tokens', '/admin'],
  ];
  for (const [path, actual, volver] of pages) {
    const { status, html } = await page(stack.base, admin, path);
    t.is(status, 200, path);
    const nav = /<nav class="admin-nav" aria-label="Administración">([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? '';
    t.regex(nav, new RegExp(`<p class="sobre-titulo"><a href="${volver}">← `), path);
    for (const href of ['/admin/unidades', '/admin/personal', '/admin/tipos', '/admin/horario', '/admin/calendario', '/admin/auditoria', '/admin/tokens']) {
      t.true(nav.includes(`<a href="${href}"`), `${path} → ${href}`);
    }
    const current = [...nav.matchAll(/<a href="([^"]+)" aria-current="(page|true)"/g)].map((m) => [m[1], m[2]]);
    t.deepEqual(current, [[actual, path === actual ? 'page' : 'true']], path);
  }
  // The header's account menu is the admin's own account only.
  const cuenta = /<nav class="cuenta"[\s\S]*?<\/nav>/.exec((await page(stack.base, admin, '/admin')).html)?.[0] ?? '';
  t.false(cuenta.includes('/admin/personal'));
  t.false(cuenta.includes('/admin/tokens'));
});

test('in a browser: the year selector, the holidays of the year, the admin navigation on Personal and Tokens; no axe violation', async (t) => {
  const { stack } = t.context;
  const { browser, errors, session } = await openBrowser(stack.base);
  try {
    const p = await session('admin@demo.gob.pe', '/admin/calendario?anio=2027');
    t.is(await p.$eval('h1', (e) => e.textContent), 'Días no laborables 2027');
    const jueves = await p.$eval('tr[data-fecha="2027-03-25"]', (r) => r.textContent?.replace(/\s+/g, ' ').trim());
    t.regex(jueves!, /jueves 25\/03\/2027 Jueves Santo Feriado nacional/);
    t.deepEqual(await axeViolations(p), []);
    t.deepEqual(await widths(p, 'admin-calendario'), { 1280: 1280, 390: 390 });

    // Another year with the selector (keyboard), then back with the previous-year link.
    await p.$eval('#f-anio', (e) => {
      (e as HTMLInputElement).value = '';
    });
    await p.type('#f-anio', '2030');
    await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
    t.is(new URL(p.url()).search, '?anio=2030');
    t.is(await p.$eval('h1', (e) => e.textContent), 'Días no laborables 2030');
    // Easter 2030 is 21 April.
    t.truthy(await p.$('tr[data-fecha="2030-04-18"][data-tipo="NACIONAL"]'));
    t.truthy(await p.$('tr[data-fecha="2030-04-19"][data-tipo="NACIONAL"]'));
    await Promise.all([p.waitForNavigation(), p.click('a[rel="prev"]')]);
    t.is(new URL(p.url()).search, '?anio=2029');

    // Personal and Tokens de API: reached from the admin navigation, which marks them and leads back.
    for (const [href, titulo, nombre] of [
      ['/admin/personal', 'Personal', 'admin-personal'],
      ['/admin/tokens', 'Tokens de API', 'admin-tokens'],
    ]) {
      await Promise.all([p.waitForNavigation(), p.click(`nav.admin-nav a[href="${href}"]`)]);
      t.is(await p.$eval('h1', (e) => e.textContent), titulo);
      t.is(await p.$eval('nav.admin-nav a[aria-current="page"]', (a) => a.getAttribute('href')), href);
      t.deepEqual(await axeViolations(p), [], href);
      t.deepEqual(await widths(p, nombre), { 1280: 1280, 390: 390 }, href);
    }
    await Promise.all([p.waitForNavigation(), p.click('nav.admin-nav .sobre-titulo a')]);
    t.is(new URL(p.url()).pathname, '/admin');
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

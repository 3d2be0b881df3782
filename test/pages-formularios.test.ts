// The forms as people meet them (issue #15, «Forms tell everything at once»), in a real browser:
// every problem of a submit shown together, beside its field and listed in the summary, in the
// order of the form (registration, filing, and the API's `campos`); the filing form's styled errors
// instead of the browser's bubbles; the verification code and the expediente number accepted as
// people paste them; the focus on the confirmation after filing; the casilla list on a phone.
// SCREENSHOTS_DIR keeps screenshots (formularios-*.png) at 1280 px and 390 px.
import { sharedStack, type Shared } from './helpers/shared';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { uid } from './helpers/stack';
import { actionMultipart, fileMultipart, makePdf, type Json } from './helpers/http';
import { openBrowser, type Walk } from './helpers/browser';
import { until } from './helpers/wait';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe' }, async (stack) => ({ walk: await openBrowser(stack.base) }));
type Ctx = Shared<'ciudadano' | 'mesa', { walk: Walk }>;
test.after.always(async (t) => {
  await t.context.walk?.close();
});

const shots = process.env.SCREENSHOTS_DIR;
/** Full-page screenshots at 1280 px and at a phone's 390 px. */
async function shoot(p: Page, name: string) {
  if (!shots) return;
  await p.setViewport({ width: 1280, height: 900 });
  await p.screenshot({ path: join(shots, `formularios-${name}-1280.png`) as `${string}.png`, fullPage: true });
  await p.setViewport({ width: 390, height: 844 });
  await p.screenshot({ path: join(shots, `formularios-${name}-390.png`) as `${string}.png`, fullPage: true });
  await p.setViewport({ width: 1280, height: 900 });
}

async function anonPage(t: { context: Ctx }) {
  const p = await t.context.walk.browser.newPage();
  p.setDefaultTimeout(90_000);
  p.on('pageerror', (e) => t.context.walk.errors.push(`anónimo: ${String(e)}`));
  await p.setViewport({ width: 1280, height: 900 });
  return p;
}

/** What the page shows for each problem: the summary's links, and each field's own message. */
function errorsShown(p: Page) {
  return p.evaluate(() => {
    const summary = document.querySelector('#resumen:not([hidden]), #form-alerta:not([hidden])');
    const links = Array.from(summary?.querySelectorAll('li a') ?? []).map((a) => ({ href: a.getAttribute('href') ?? '', text: a.textContent ?? '' }));
    const fields = links.map(({ href }) => {
      const input = document.getElementById(href.slice(1))!;
      const ids = (input.getAttribute('aria-describedby') ?? '').split(/\s+/);
      const message = document.getElementById(`${input.id}-error`);
      return {
        invalid: input.getAttribute('aria-invalid'),
        describedByError: ids.includes(`${input.id}-error`),
        message: message?.textContent ?? null,
        // Beside the field: in the same box as the input, and below it.
        beside: !!message && message.parentElement === input.closest('.field, .check') && input.getBoundingClientRect().top < message.getBoundingClientRect().top,
        styled: !!message && getComputedStyle(message).color === 'rgb(200, 16, 46)',
      };
    });
    return { links, fields };
  });
}

const setValue = (p: Page, selector: string, value: string) =>
  p.$eval(selector, (e, v) => {
    (e as HTMLInputElement).value = v;
  }, value);

test('registration with three bad fields shows the three problems at once, in the order of the form, beside each field and in the summary', async (t) => {
  const { stack } = t.context;
  const p = await anonPage(t);
  try {
    await p.goto(`${stack.base}/registro`);
    // Fields that must be typed twice say so.
    t.is(await p.$eval('label[for="f-passwordConfirmacion"]', (e) => e.textContent), 'Vuelva a escribir la contraseña');
    t.is(await p.$eval('label[for="f-emailConfirmacion"]', (e) => e.textContent), 'Vuelva a escribir el correo electrónico');
    t.regex(await p.$eval('#f-passwordConfirmacion-ayuda', (e) => e.textContent ?? ''), /Escríbala otra vez/);
    await p.select('#f-tipoDocumento', 'DNI');
    await p.type('#f-numeroDocumento', `7${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`);
    // nombres left empty (1), an address without @ (2), passwords that differ (3).
    await p.type('#f-apellidoPaterno', 'Flores');
    await p.type('#f-apellidoMaterno', 'Quispe');
    await setValue(p, '#f-fechaNacimiento', '1990-05-04');
    await p.type('#f-telefono', '987654321');
    await p.type('#f-email', 'ana.correo.pe');
    await p.type('#f-emailConfirmacion', 'ana.correo.pe');
    await p.type('#f-password', 'Clave2026x');
    await p.type('#f-passwordConfirmacion', 'Clave2026y');
    for (const c of ['#f-aceptaTerminos', '#f-aceptaPrivacidad', '#f-aceptaCasilla']) await p.click(c);
    await Promise.all([p.waitForNavigation(), p.click('#form-registro button[type="submit"]')]);

    const shown = await errorsShown(p);
    t.deepEqual(shown.links, [
      { href: '#f-nombres', text: 'Ingrese los nombres.' },
      { href: '#f-email', text: 'El correo electrónico no es válido.' },
      { href: '#f-passwordConfirmacion', text: 'Las contraseñas no coinciden.' },
    ]);
    t.regex(await p.$eval('#resumen > p', (e) => e.textContent ?? ''), /Revise 3 datos del formulario/);
    shown.fields.forEach((f, i) => {
      t.is(f.invalid, 'true', shown.links[i].href);
      t.true(f.describedByError, shown.links[i].href);
      t.is(f.message, shown.links[i].text);
      t.true(f.beside, shown.links[i].href);
      t.true(f.styled, shown.links[i].href);
    });
    // What was typed stays (never the passwords).
    t.is(await p.$eval('#f-apellidoPaterno', (e) => (e as HTMLInputElement).value), 'Flores');
    t.is(await p.$eval('#f-password', (e) => (e as HTMLInputElement).value), '');
    await shoot(p, 'registro-errores');
  } finally {
    await p.close();
  }

  // The API names the same problems, in the same order, keeping its error shape.
  const res = await fetch(`${stack.base}/api/v1/cuentas`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      tipoPersona: 'NATURAL', tipoDocumento: 'DNI', numeroDocumento: '70000001', nombres: '', apellidoPaterno: 'Flores', apellidoMaterno: 'Quispe',
      fechaNacimiento: '1990-05-04', telefono: '987654321', email: 'ana.correo.pe', emailConfirmacion: 'ana.correo.pe', password: 'Clave2026x', passwordConfirmacion: 'Clave2026y',
      aceptaTerminos: true, aceptaPrivacidad: true, aceptaCasilla: true,
    }),
  });
  t.is(res.status, 400);
  t.deepEqual(((await res.json()) as Json).error, {
    code: 'SOLICITUD_INVALIDA',
    message: 'Ingrese los nombres.',
    campo: 'nombres',
    campos: [
      { campo: 'nombres', message: 'Ingrese los nombres.' },
      { campo: 'email', message: 'El correo electrónico no es válido.' },
      { campo: 'passwordConfirmacion', message: 'Las contraseñas no coinciden.' },
    ],
  });
});

test('the filing form shows every missing field with the styled errors, never the browser bubbles; without JavaScript the server lists them too', async (t) => {
  const { stack, ciudadano } = t.context;
  const p = await t.context.walk.session('ciudadano@demo.pe', '/expedientes/nuevo');
  try {
    t.true(await p.$eval('#form-presentar', (f) => (f as HTMLFormElement).noValidate), 'the form has novalidate');
    const before = (await stack.db('expedientes').count('* as n').first())!.n;
    await p.type('#f-antecedente', 'expediente 12');
    await p.click('#btn-enviar');
    await p.waitForSelector('#form-alerta:not([hidden])');
    const shown = await errorsShown(p);
    t.deepEqual(shown.links, [
      { href: '#f-tipoDocumento', text: 'Elija el tipo de documento.' },
      { href: '#f-asunto', text: 'Ingrese el asunto.' },
      { href: '#f-antecedente', text: 'El antecedente debe ser un número de expediente como 00123-2026.' },
      { href: '#f-principal', text: 'Adjunte el documento principal en PDF.' },
      { href: '#f-aceptaPrivacidad', text: 'Debe aceptar la política de privacidad.' },
    ]);
    for (const [i, f] of shown.fields.entries()) {
      t.is(f.invalid, 'true', shown.links[i].href);
      t.true(f.describedByError && f.beside && f.styled, shown.links[i].href);
      t.is(f.message, shown.links[i].text);
    }
    t.is(await p.evaluate(() => document.activeElement?.id), 'form-alerta', 'the focus goes to the summary');
    t.is(new URL(p.url()).pathname, '/expedientes/nuevo');
    t.is((await stack.db('expedientes').count('* as n').first())!.n, before, 'nothing was sent');
    await shoot(p, 'presentar-errores');

    // Fixing one field and sending again: the others are still listed, the fixed one is not.
    await p.select('#f-tipoDocumento', 'SOLICITUD');
    await p.click('#btn-enviar');
    t.deepEqual(
      (await errorsShown(p)).links.map((l) => l.href),
      ['#f-asunto', '#f-antecedente', '#f-principal', '#f-aceptaPrivacidad'],
    );
    t.is(await p.$$eval('#form-presentar .field-error', (es) => es.length), 4);
  } finally {
    await p.browserContext().close();
  }

  // Without JavaScript: the multipart post comes back with every problem and what was typed.
  const form = new FormData();
  for (const [k, v] of Object.entries({ _csrf: ciudadano.csrf, tipoDocumento: 'CARTA', numeroDocumento: '', asunto: '', contenido: 'Texto que se conserva', antecedente: 'abc', destino: 'OAJ', folios: '' })) form.append(k, v);
  const res = await fetch(`${stack.base}/expedientes/nuevo?idem=${crypto.randomUUID()}`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie: ciudadano.cookie }, body: form });
  t.is(res.status, 400);
  const html = await res.text();
  const hrefs = [...html.matchAll(/<li><a href="#(f-[\w-]+)">/g)].map((m) => m[1]);
  t.deepEqual(hrefs, ['f-asunto', 'f-antecedente', 'f-principal', 'f-aceptaPrivacidad']);
  for (const id of hrefs) t.regex(html, new RegExp(`<p class="field-error" id="${id}-error">`), id);
  t.regex(html, /<form method="post"[^>]*id="form-presentar" novalidate/);
  t.regex(html, /<option value="CARTA" selected>/);
  t.regex(html, /<option value="OAJ" selected>/);
  t.regex(html, />Texto que se conserva<\/textarea>/);

  // The API: the same list, and an antecedente written «12-2026» is read as 00012-2026.
  const api = await fileMultipart(stack.base, ciudadano, { asunto: 'x', antecedente: 'abc', aceptaPrivacidad: '' }, { principal: null });
  t.is(api.status, 400);
  t.deepEqual(
    (api.body.error.campos as { campo: string }[]).map((c) => c.campo),
    ['asunto', 'antecedente', 'principal', 'aceptaPrivacidad'],
  );
  const first = await fileMultipart(stack.base, ciudadano, { asunto: `Primero ${uid()}` });
  t.is(first.status, 201);
  const [n, year] = (first.body.numero as string).split('-');
  const second = await fileMultipart(stack.base, ciudadano, { asunto: `Segundo ${uid()}`, antecedente: ` ${Number(n)}-${year} ` });
  t.is(second.status, 201, JSON.stringify(second.body));
  t.is((await stack.db('expedientes').where({ numero: second.body.numero }).first()).antecedente, first.body.numero);
});

test('after filing, the focus lands on the confirmation message of the cargo page', async (t) => {
  const { stack } = t.context;
  const dir = await mkdtemp(join(tmpdir(), 'mpv-formularios-'));
  const pdfPath = join(dir, 'solicitud.pdf');
  await writeFile(pdfPath, await makePdf(1, 'Solicitud'));
  const p = await t.context.walk.session('ciudadano@demo.pe', '/expedientes/nuevo');
  try {
    await p.select('#f-tipoDocumento', 'SOLICITUD');
    await p.type('#f-asunto', 'Solicito información (foco)');
    const principal = await p.$('#f-principal');
    await (principal as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(pdfPath);
    await p.click('#f-aceptaPrivacidad');
    await Promise.all([p.waitForNavigation({ waitUntil: 'networkidle0' }), p.click('#btn-enviar')]);
    t.regex(new URL(p.url()).pathname, /^\/expedientes\/\d{5}-\d{4}\/cargo$/);
    const numero = await p.$eval('#cargo-numero', (e) => e.textContent?.trim() ?? '');
    const focused = await p.evaluate(() => ({ id: document.activeElement?.id, text: document.activeElement?.textContent ?? '', role: document.activeElement?.getAttribute('role') }));
    t.is(focused.id, 'confirmacion');
    t.is(focused.role, 'status');
    t.true(focused.text.includes(`Su número de expediente es ${numero}`));
    // Opened later (not right after filing), the page has no confirmation to focus.
    await p.goto(`${stack.base}/expedientes/${numero}/cargo`);
    t.is(await p.$('#confirmacion'), null);
  } finally {
    await p.browserContext().close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('verification takes the code as people paste it: lower case, spaces, dashes missing or doubled (page and API)', async (t) => {
  const { stack, ciudadano } = t.context;
  const r = await fileMultipart(stack.base, ciudadano, { asunto: `Verificación pegada ${uid()}` });
  t.is(r.status, 201);
  const codigo = r.body.codigoVerificacion as string;
  // The code is registered when the cargo is issued.
  await until(async () => (await fetch(`${stack.base}/api/v1/verificacion/${codigo}`)).status === 200, 200);
  const pasted = [` ${codigo.replace(/-/g, '').toLowerCase()} `, ` ${codigo} `, `${codigo.slice(0, 4)}--${codigo.slice(5)}-`, codigo.toLowerCase().replace(/-/g, ' - ')];
  for (const v of pasted) {
    const res = await fetch(`${stack.base}/api/v1/verificacion/${encodeURIComponent(v)}`, { headers: { accept: 'application/json' } });
    t.is(res.status, 200, JSON.stringify(v));
    const body = (await res.json()) as Json;
    t.is(body.codigo, codigo);
    t.is(body.expediente, r.body.numero);
  }
  t.is((await fetch(`${stack.base}/api/v1/verificacion/${encodeURIComponent(codigo.slice(0, -1))}`)).status, 404);

  const p = await anonPage(t);
  try {
    await p.goto(`${stack.base}/verificacion`);
    // The field takes the whole pasted text (its length limit no longer cuts the last character).
    await p.type('#f-codigo', pasted[0]);
    t.is(await p.$eval('#f-codigo', (e) => (e as HTMLInputElement).value), pasted[0]);
    await Promise.all([p.waitForNavigation(), p.click('main form button[type="submit"]')]);
    t.regex(await p.$eval('#ver-titulo', (e) => e.textContent ?? ''), /^Documento auténtico: Cargo de recepción/);
    t.is(await p.$eval('.verificado dd.mono', (e) => e.textContent), codigo);
    t.is(await p.$eval('#f-codigo', (e) => (e as HTMLInputElement).value), codigo);
    // An empty submit is a styled error, not a browser bubble.
    await p.$eval('#f-codigo', (e) => ((e as HTMLInputElement).value = ''));
    await Promise.all([p.waitForNavigation(), p.click('main form button[type="submit"]')]);
    t.is(await p.$eval('#f-codigo-error', (e) => e.textContent), 'Ingrese el código de verificación.');
  } finally {
    await p.close();
  }
});

test('the consulta takes the number as «10-2026» or «00010-2026» and the password in lower case with spaces (page and API)', async (t) => {
  const { stack, ciudadano } = t.context;
  const r = await fileMultipart(stack.base, ciudadano, { asunto: `Consulta pegada ${uid()}` });
  t.is(r.status, 201);
  const numero = r.body.numero as string;
  const clave = r.body.claveSeguimiento as string;
  const [n, year] = numero.split('-');
  const corto = `${Number(n)}-${year}`;
  const claveEscrita = ` ${clave.slice(0, 4).toLowerCase()} ${clave.slice(4).toLowerCase()} `;

  for (const num of [corto, numero, ` ${Number(n)} - ${year} `]) {
    const res = await fetch(`${stack.base}/api/v1/consulta?${new URLSearchParams({ numero: num, clave: claveEscrita })}`, { headers: { accept: 'application/json' } });
    t.is(res.status, 200, num);
    t.is(((await res.json()) as Json).numero, numero);
  }
  const bad = await fetch(`${stack.base}/api/v1/consulta?${new URLSearchParams({ numero: '12', clave })}`, { headers: { accept: 'application/json' } });
  t.is(bad.status, 400);
  t.like(((await bad.json()) as Json).error, { campo: 'numero', message: 'El número tiene la forma 00123-2026.' });

  const p = await anonPage(t);
  try {
    await p.goto(`${stack.base}/consulta`);
    // A phone keyboard with a dash: no numeric-only keypad for a number written with one.
    t.is(await p.$eval('#f-numero', (e) => e.getAttribute('inputmode')), null);
    await p.type('#f-numero', corto);
    await p.type('#f-clave', claveEscrita);
    await Promise.all([p.waitForNavigation(), p.click('main form button[type="submit"]')]);
    t.is(await p.$eval('#res-titulo', (e) => e.textContent), `Expediente ${numero}`);
    t.is(await p.$eval('#f-numero', (e) => (e as HTMLInputElement).value), numero);
    // The other fields written with a dash have no numeric keypad either.
    await p.goto(`${stack.base}/consulta?numero=${corto}`);
    t.is(await p.$eval('#f-numero', (e) => (e as HTMLInputElement).value), numero);
  } finally {
    await p.close();
  }
  const filing = await t.context.walk.session('ciudadano@demo.pe', '/expedientes/nuevo');
  try {
    t.is(await filing.$eval('#f-antecedente', (e) => e.getAttribute('inputmode')), null);
    t.is(await filing.$eval('#f-antecedente', (e) => e.getAttribute('pattern')), null);
    await filing.goto(`${stack.base}/`);
    t.is(await filing.$eval('#f-numero', (e) => e.getAttribute('inputmode')), null);
  } finally {
    await filing.browserContext().close();
  }
});

/**
 * Words of `selector`'s text that the layout breaks across two lines (a line may still end after a
 * dash, as in 00001-/2026: each part between dashes must stay whole).
 */
const splitWords = (p: Page, selector: string) =>
  p.$eval(selector, (root) => {
    const split: string[] = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (const m of text.matchAll(/[^\s-]+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(m[0]);
      }
    }
    return split;
  });

test('the casilla list splits no word, at 1280 px and on a 390 px phone, and its filters fit the phone', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const r = await fileMultipart(stack.base, ciudadano, { asunto: `Observaciones sobre la licencia de funcionamiento ${uid()}` });
  const numero = r.body.numero as string;
  const n = await actionMultipart(stack.base, mesa, numero, 'notificar', { tipoDocumento: 'CARTA', asunto: 'Comunicación de observaciones complementarias', detalle: 'Le remitimos la carta.' }, [
    { field: 'documentos', name: 'carta.pdf', data: await makePdf(1, 'Carta') },
  ]);
  t.is(n.status, 200);
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Adjunte el plano de ubicación' })).status, 200);
  await until(async () => {
    const list = (await (await ciudadano.get('/api/v1/casilla?limite=100')).json()) as Json;
    return (list.notificaciones as { expediente: string }[]).filter((x) => x.expediente === numero).length === 2;
  }, 200);

  const p = await t.context.walk.session('ciudadano@demo.pe', '/casilla');
  try {
    for (const width of [1280, 390]) {
      await p.setViewport({ width, height: width === 390 ? 844 : 900 });
      await p.goto(`${stack.base}/casilla`);
      if (shots) await p.screenshot({ path: join(shots, `formularios-casilla-${width}.png`) as `${string}.png`, fullPage: true });
      const text = await p.$eval('table.casilla-lista', (e) => e.textContent ?? '');
      t.regex(text, /Observaciones/);
      t.deepEqual(await splitWords(p, 'table.casilla-lista'), [], `${width} px`);
      const fit = await p.evaluate(() => ({
        page: document.documentElement.scrollWidth,
        tabla:
          document.querySelector('table.casilla-lista')!.getBoundingClientRect().right -
          (document.querySelector('main')!.getBoundingClientRect().right - parseFloat(getComputedStyle(document.querySelector('main')!).paddingRight)),
        filtros: document.querySelector('form.filtros')!.getBoundingClientRect().right,
        filtrosOverflow: document.querySelector('form.filtros')!.scrollWidth - document.querySelector('form.filtros')!.clientWidth,
      }));
      t.true(fit.page <= width, `${width} px: the page is ${fit.page} px wide`);
      t.true(fit.tabla <= 0, `${width} px: the table sticks out of the page by ${fit.tabla} px`);
      t.true(fit.filtros <= width, `${width} px: the filters end at ${fit.filtros} px`);
      t.true(fit.filtrosOverflow <= 0, `${width} px: the filters overflow by ${fit.filtrosOverflow} px`);
    }
    t.deepEqual(t.context.walk.errors, []);
  } finally {
    await p.browserContext().close();
  }
});

// The expediente pages as people use them: the filing form, the cargo, Mis trámites, the detail
// with the actions each role may take, the public consulta and verification pages; then a real
// browser files a document through the form. Set SCREENSHOTS_DIR to keep screenshots of each page.
import { sharedStack, type Shared, type Stack } from './helpers/shared';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page as BrowserPage } from 'puppeteer-core';
import { uid } from './helpers/stack';
import { fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { openBrowser } from './helpers/browser';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe' });
type Ctx = Shared<'ciudadano' | 'mesa' | 'unidad'>;

interface Html {
  status: number;
  location: string | null;
  html: string;
}

/** A page as a browser gets it (no automatic redirects), with the client's session if any. */
async function page(base: string, c: Client | null, path: string, cookie = ''): Promise<Html> {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c?.cookie ?? cookie } });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** An attribute value as the browser reads it (Handlebars escapes `=` and `&`). */
const attr = (s: string) => s.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');

/** A urlencoded form post with the session's `_csrf`, as the page forms send it. */
async function postForm(base: string, c: Client, path: string, fields: Record<string, string>): Promise<Html> {
  const res = await fetch(base + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { accept: 'text/html', cookie: c.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ ...fields, _csrf: c.csrf }),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

async function file(t: { context: Ctx }, fields: Record<string, string> = {}, files?: Parameters<typeof fileMultipart>[3]) {
  const res = await fileMultipart(t.context.stack.base, t.context.ciudadano, { asunto: `Solicitud de prueba ${uid()}`, ...fields }, files);
  if (res.status !== 201) throw new Error(`filing: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { numero: string; claveSeguimiento: string; codigoVerificacion: string };
}

/** Action forms present on a detail page. */
const formsIn = (html: string, numero: string) =>
  ['actualizar', 'anular', 'subsanar', 'observar', 'derivar', 'recibir', 'atender'].filter((a) => html.includes(`action="/expedientes/${numero}/${a}"`));

async function waitState(t: { context: Ctx }, numero: string, estado: string) {
  for (let i = 0; i < 200; i++) {
    const row = await t.context.stack.db('expedientes').where({ numero }).first('estado');
    if (row?.estado === estado) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${numero} no llegó a ${estado}`);
}

/** Polls the cargo PDF until the worker has printed it. */
async function cargoPdf(t: { context: Ctx }, numero: string) {
  for (let i = 0; i < 60; i++) {
    const res = await t.context.ciudadano.get(`/api/v1/expedientes/${numero}/cargo.pdf`);
    if (res.status === 200) return Buffer.from(await res.arrayBuffer());
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('el cargo no se generó');
}

async function newCitizen(base: string, mail: Stack['mail']) {
  const email = `otra.${uid()}@correo.pe`;
  const dni = `7${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  const res = await fetch(`${base}/api/v1/cuentas`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      tipoPersona: 'NATURAL', tipoDocumento: 'DNI', numeroDocumento: dni, nombres: 'Ana', apellidoPaterno: 'Flores', apellidoMaterno: 'Quispe',
      fechaNacimiento: '1990-05-04', telefono: '987654321', email, emailConfirmacion: email, password: 'Clave2026x', passwordConfirmacion: 'Clave2026x',
      aceptaTerminos: true, aceptaPrivacidad: true, aceptaCasilla: true,
    }),
  });
  if (res.status !== 201) throw new Error(`registro: ${res.status} ${await res.text()}`);
  const m = await mail.waitFor((x) => x.to.includes(email));
  const codigo = /^\s+(\d{6})\s*$/m.exec(m.text)?.[1];
  const v = await fetch(`${base}/api/v1/cuentas/verificacion`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ email, codigo }) });
  if (v.status !== 200) throw new Error(`verificación: ${v.status}`);
  return loginAs(base, email, 'Clave2026x');
}

// ---------------------------------------------------------------------------------------------

test('the filing form shows the catalogues, the limits and the business-hours notice', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const p = await page(stack.base, ciudadano, '/expedientes/nuevo');
  t.is(p.status, 200);
  t.regex(attr(p.html), /<form method="post" action="\/expedientes\/nuevo\?idem=[\w-]{36}" enctype="multipart\/form-data"/);
  t.regex(p.html, /<option value="SOLICITUD">Solicitud<\/option>/);
  t.regex(p.html, /<option value="OFICIO">Oficio<\/option>/);
  t.regex(p.html, /<option value="OAJ">Oficina de Asesoría Jurídica<\/option>/);
  t.regex(p.html, /name="numeroDocumento"[^>]*placeholder="S\/N si no tiene"/);
  t.regex(p.html, /<textarea id="f-contenido" name="contenido"/);
  t.regex(p.html, /name="antecedente"/);
  t.regex(p.html, /name="folios" type="number" min="1"/);
  t.regex(p.html, /name="principal" type="file" accept="application\/pdf,.pdf" required/);
  t.regex(p.html, /Solo PDF, hasta 20 MB\./);
  t.regex(p.html, /name="anexos" type="file" multiple accept="\.pdf,\.png,\.jpg,\.jpeg,\.docx,\.doc,\.xls,\.xlsx,\.zip,\.rar"/);
  t.regex(p.html, /Hasta 5 archivos \(pdf, png, jpg, jpeg, docx, doc, xls, xlsx, zip, rar\)\. El primero hasta 30 MB y cada uno de los demás hasta 5 MB\./);
  t.regex(p.html, /type="checkbox" id="f-aceptaPrivacidad" name="aceptaPrivacidad" required/);
  t.regex(p.html, /<input type="hidden" name="_csrf" value="[\w-]{20,}">/);
  t.regex(p.html, /<input type="hidden" name="idempotencyKey" id="f-idempotencyKey" value="[\w-]{36}">/);
  t.true(
    p.html.includes(
      'Puede presentar a cualquier hora. Si presenta fuera del horario de atención (lunes a viernes 08:30–16:30) o en un día no laborable, su documento se considera presentado ese día si es hábil (Ley 31465), y se recibe el siguiente día hábil a las 08:30.',
    ),
  );
  t.regex(p.html, /Si lo envía ahora: fecha de presentación <strong id="ahora-presentacion">(lunes|martes|miércoles|jueves|viernes) \d\d\/\d\d\/\d{4}<\/strong>, fecha de recepción <strong id="ahora-recepcion">\d\d\/\d\d\/\d{4} \d\d:\d\d<\/strong>/);
  t.regex(p.html, /<progress id="envio-progreso"/);
  t.regex(p.html, /<script src="\/presentar\.js" defer><\/script>/);
  t.regex(p.html, /href="\/expedientes\/nuevo">Presentar documento<\/a>/);

  const anon = await page(stack.base, null, '/expedientes/nuevo');
  t.is(anon.status, 303);
  t.is(anon.location, `/ingresar?volver=${encodeURIComponent('/expedientes/nuevo')}`);
  t.is((await page(stack.base, mesa, '/expedientes/nuevo')).status, 403);
  const js = await fetch(`${stack.base}/presentar.js`);
  t.is(js.status, 200);
  t.regex(await js.text(), /Idempotency-Key/);
});

// Serial: it checks that storage's temporary folder is empty, which other tests' uploads would fill.
test.serial('the form posted without JavaScript files the expediente once and redirects to the cargo', async (t) => {
  const { stack, ciudadano } = t.context;
  const idem = crypto.randomUUID();
  // As a browser without JavaScript sends it: no header, the token as the form's first field.
  const send = async (withPrincipal = true, csrf = ciudadano.csrf, pdf?: Uint8Array) => {
    const form = new FormData();
    for (const [k, v] of Object.entries({ _csrf: csrf, tipoDocumento: 'CARTA', numeroDocumento: '', asunto: 'Carta sin JavaScript', contenido: '', antecedente: '', destino: 'OAJ', folios: '', aceptaPrivacidad: 'on' })) form.append(k, v);
    if (withPrincipal) form.append('principal', new Blob([(pdf ?? (await makePdf(3))) as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), 'carta.pdf');
    const res = await fetch(`${stack.base}/expedientes/nuevo?idem=${idem}`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie: ciudadano.cookie }, body: form });
    return { status: res.status, location: res.headers.get('location'), html: await res.text() };
  };
  const first = await send();
  t.is(first.status, 303, first.html);
  const m = /^\/expedientes\/(\d{5}-\d{4})\/cargo\?nuevo=1$/.exec(first.location ?? '');
  t.truthy(m);
  const numero = m![1];
  const row = await stack.db('expedientes').where({ numero }).first();
  t.is(row.tipo_documento, 'CARTA');
  t.is(row.numero_documento, 'S/N');
  t.is(row.destino, 'OAJ');
  t.is(row.folios, 3, 'folios come from the PDF page count');
  // A double submit of the same form: the same expediente.
  const again = await send();
  t.is(again.location, first.location);
  t.is((await stack.db('expedientes').where({ asunto: 'Carta sin JavaScript' })).length, 1);

  const bad = await send(false);
  t.is(bad.status, 400);
  t.regex(bad.html, /role="alert"[\s\S]*Adjunte el documento principal en PDF\./);
  t.regex(bad.html, /href="#f-principal"/);
  t.regex(bad.html, /Vuelva a completar el formulario y a elegir los archivos/);

  // A wrong token is refused before any file is stored.
  const never = await makePdf(3, 'Una carta que nunca debe guardarse');
  const forged = await send(true, 'x'.repeat(32), never);
  t.is(forged.status, 403);
  t.regex(forged.html, /La sesión del formulario caducó/);
  const key = createHash('sha256').update(never).digest('hex');
  t.false((await readdir(stack.storageDir, { recursive: true })).some((f) => f.endsWith(key)));
  t.deepEqual(await readdir(join(stack.storageDir, 'tmp')), []);
  t.is((await stack.db('expedientes').where({ asunto: 'Carta sin JavaScript' })).length, 1);
});

test('an office answers from the page without JavaScript: the multipart form carries its token first', async (t) => {
  const { stack, ciudadano, mesa, unidad } = t.context;
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: `Respuesta sin JavaScript ${uid()}` });
  const numero = body.numero as string;
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Atender' })).status, 200);
  t.is((await unidad.post(`/api/v1/expedientes/${numero}/recibir`, {})).status, 200);
  const form = new FormData();
  form.append('_csrf', unidad.csrf);
  form.append('comentario', 'Se adjunta la respuesta');
  form.append('respuesta', new Blob([(await makePdf(2, 'Respuesta')) as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), 'respuesta.pdf');
  const res = await fetch(`${stack.base}/expedientes/${numero}/atender`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie: unidad.cookie }, body: form });
  t.is(res.status, 303, await res.text());
  t.is(res.headers.get('location'), `/expedientes/${numero}?ok=atender`);
  t.is((await stack.db('expedientes').where({ numero }).first()).estado, 'ATENDIDO');
});

test('the cargo page shows the number, the dates and the PDF links to the filer; another citizen gets 404', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const { numero, codigoVerificacion } = await file(t, { numeroDocumento: '0005-2026/ABC', destino: 'OAJ' });
  const p = await page(stack.base, ciudadano, `/expedientes/${numero}/cargo?nuevo=1`);
  t.is(p.status, 200);
  t.regex(p.html, /Su documento fue presentado\./);
  t.regex(p.html, new RegExp(`<p class="cargo-numero" id="cargo-numero">${numero}</p>`));
  t.regex(p.html, /pendiente de validación/);
  t.regex(p.html, /<dt>Fecha de presentación<\/dt><dd>(lunes|martes|miércoles|jueves|viernes) \d\d\/\d\d\/\d{4}<\/dd>/);
  t.regex(p.html, /<dt>Fecha de recepción<\/dt><dd>\d\d\/\d\d\/\d{4} \d\d:\d\d<\/dd>/);
  t.regex(p.html, /Solicitud 0005-2026\/ABC/);
  t.regex(p.html, /Oficina de Asesoría Jurídica/);
  t.true(p.html.includes(`href="/api/v1/expedientes/${numero}/cargo.pdf?descargar=1" download>Descargar cargo (PDF)</a>`));
  t.true(p.html.includes(`href="/api/v1/expedientes/${numero}/cargo.pdf" target="_blank" rel="noopener">Ver cargo</a>`));
  t.true(p.html.includes(`href="/verificacion/${codigoVerificacion}"`));
  t.regex(p.html, /La clave de seguimiento figura en el cargo PDF y en el correo que le enviamos\./);
  t.regex(p.html, /Le enviamos una copia del cargo a su correo ciudadano@demo\.pe\./);
  t.regex(p.html, /data-numero="\d{5}-\d{4}"/);
  t.regex(p.html, /<script src="\/cargo\.js" defer>/);
  // The tracking password is never in the page's HTML or URL: only the browser that filed has it.
  const row = await stack.db('expedientes').where({ numero }).first('clave_pendiente');
  if (row.clave_pendiente) t.false(p.html.includes(row.clave_pendiente));

  t.is((await page(stack.base, mesa, `/expedientes/${numero}/cargo`)).status, 200);
  const otro = await newCitizen(stack.base, stack.mail);
  t.is((await page(stack.base, otro, `/expedientes/${numero}/cargo`)).status, 404);
  t.is((await page(stack.base, otro, `/expedientes/${numero}`)).status, 404);
  const anon = await page(stack.base, null, `/expedientes/${numero}/cargo`);
  t.is(anon.status, 303);
});

test('Mis trámites: filters in a GET form, keyset pagination, columns and the Presentar button', async (t) => {
  const { stack, ciudadano } = t.context;
  const tag = `lista${uid()}`;
  const a = await file(t, { asunto: `${tag} uno`, tipoDocumento: 'OFICIO' });
  const b = await file(t, { asunto: `${tag} dos` });
  const c = await file(t, { asunto: `${tag} tres` });
  const home = await page(stack.base, ciudadano, '/');
  t.is(home.status, 200);
  t.regex(home.html, /<h1>Mis trámites<\/h1>/);
  t.regex(home.html, /<a class="btn btn-primary" href="\/expedientes\/nuevo">Presentar documento<\/a>/);
  t.regex(home.html, /<form method="get" action="\/" class="filtros"/);
  for (const name of ['desde', 'hasta']) t.regex(home.html, new RegExp(`name="${name}" type="date"`));
  t.regex(home.html, /<select id="f-estado" name="estado">[\s\S]*<option value="OBSERVADO">Observado<\/option>/);
  t.notRegex(home.html, /name="unidad"/);
  t.regex(home.html, /<th scope="col">Número<\/th><th scope="col">Fecha de presentación<\/th><th scope="col">Tipo<\/th><th scope="col">Asunto<\/th><th scope="col">Estado<\/th><th scope="col">Plazo<\/th>/);

  const first = await page(stack.base, ciudadano, `/?asunto=${tag}&limite=2`);
  t.is(first.status, 200);
  t.true(first.html.includes(`href="/expedientes/${c.numero}">${c.numero}</a>`));
  t.true(first.html.includes(`href="/expedientes/${b.numero}">${b.numero}</a>`));
  t.false(first.html.includes(`>${a.numero}</a>`));
  t.regex(first.html, new RegExp(`value="${tag}"`));
  const next = /<a href="([^"]+)" rel="next" class="siguiente">Más antiguos →<\/a>/.exec(first.html);
  t.truthy(next);
  const url = attr(next![1]);
  t.regex(url, new RegExp(`asunto=${tag}`));
  t.regex(url, /despues=\d+/);
  const second = await page(stack.base, ciudadano, url);
  t.true(second.html.includes(`href="/expedientes/${a.numero}">${a.numero}</a>`));
  t.regex(second.html, /<td data-label="Tipo">Oficio<\/td>/);
  t.notRegex(second.html, /Más antiguos/);
  t.regex(second.html, /← Más recientes/);

  // Dates filter by the legal fecha de presentación (a filing on a Sunday counts on Monday).
  const { fecha_presentacion: day } = await stack.db('expedientes').where({ numero: a.numero }).first('fecha_presentacion');
  t.true((await page(stack.base, ciudadano, `/?asunto=${tag}&desde=${day}&hasta=${day}&estado=PENDIENTE_VALIDACION`)).html.includes(a.numero));
  const before = new Date(Date.parse(`${day}T12:00:00Z`) - 86400_000).toISOString().slice(0, 10);
  t.false((await page(stack.base, ciudadano, `/?asunto=${tag}&hasta=${before}`)).html.includes(a.numero));
  const none = await page(stack.base, ciudadano, `/?asunto=${tag}&estado=ATENDIDO`);
  t.regex(none.html, /No hay expedientes que coincidan con la búsqueda\./);
  t.true((await page(stack.base, ciudadano, `/?numero=${b.numero}`)).html.includes(`>${b.numero}</a>`));
  t.false((await page(stack.base, ciudadano, `/?numero=${b.numero}`)).html.includes(`>${a.numero}</a>`));
  const bad = await page(stack.base, ciudadano, '/?desde=ayer');
  t.is(bad.status, 400);
  t.regex(bad.html, /La fecha «desde» debe ser AAAA-MM-DD\./);
});

test('the detail page offers each role only the actions it may take, and the page forms run them', async (t) => {
  const { stack, ciudadano, mesa, unidad } = t.context;
  const { numero } = await file(t, { contenido: 'Adjunto la documentación.' });
  const url = `/expedientes/${numero}`;

  const citizenView = await page(stack.base, ciudadano, url);
  t.is(citizenView.status, 200);
  t.deepEqual(formsIn(citizenView.html, numero), ['actualizar', 'anular']);
  t.regex(citizenView.html, /Confirmo que deseo anular este expediente/);
  t.deepEqual(formsIn((await page(stack.base, mesa, url)).html, numero), ['observar', 'derivar']);
  t.deepEqual(formsIn((await page(stack.base, unidad, url)).html, numero), []);

  // Derivar needs the confirmation box; then it runs and the page says so.
  const unconfirmed = await postForm(stack.base, mesa, `${url}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' });
  t.is(unconfirmed.status, 400);
  t.regex(unconfirmed.html, /role="alert"[\s\S]*Marque «Confirmo la derivación»/);
  t.regex(unconfirmed.html, /<details class="accion" id="accion-derivar" open>/);
  t.regex(unconfirmed.html, /<option value="OAJ" selected>/);
  t.regex(unconfirmed.html, /Para su atención<\/textarea>/);
  const derived = await postForm(stack.base, mesa, `${url}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención', confirmo: 'on' });
  t.is(derived.status, 303);
  t.is(derived.location, `${url}?ok=derivar`);
  const afterDerive = await page(stack.base, mesa, derived.location!);
  t.regex(afterDerive.html, /role="status">El expediente fue derivado\./);
  t.deepEqual(formsIn(afterDerive.html, numero), []);
  t.regex(afterDerive.html, /<strong>Derivado<\/strong>/);
  t.regex(afterDerive.html, /Oficina de Asesoría Jurídica · derivado · por mesa@demo\.gob\.pe/);

  // The office: first receive, then attend, derive or observe.
  t.deepEqual(formsIn((await page(stack.base, unidad, url)).html, numero), ['recibir']);
  t.deepEqual(formsIn((await page(stack.base, ciudadano, url)).html, numero), []);
  const received = await postForm(stack.base, unidad, `${url}/recibir`, {});
  t.is(received.status, 303);
  t.is(received.location, `${url}?ok=recibir`);
  const office = await page(stack.base, unidad, received.location!);
  t.regex(office.html, /Usted recibió el expediente en su unidad\./);
  t.deepEqual(formsIn(office.html, numero), ['observar', 'derivar', 'atender']);
  t.regex(office.html, /<form method="post" action="[^"]+\/atender" enctype="multipart\/form-data"[^>]*data-api="\/api\/v1\/expedientes\/[\d-]+\/atender"/);
  t.notRegex(office.html, /<option value="OAJ">/, 'the current office is not a destination');

  // Observar: short reason → 400 with the field; then the citizen sees it and may subsanar.
  const short = await postForm(stack.base, unidad, `${url}/observar`, { motivo: 'x' });
  t.is(short.status, 400);
  t.regex(short.html, /href="#f-observar-motivo"/);
  const observed = await postForm(stack.base, unidad, `${url}/observar`, { motivo: 'Falta la copia del DNI del solicitante.' });
  t.is(observed.status, 303);
  t.is(observed.location, `${url}?ok=observar`);
  await waitState(t, numero, 'OBSERVADO');
  let citizen = await page(stack.base, ciudadano, url);
  for (let i = 0; i < 40 && !/Su plazo para subsanar/.test(citizen.html); i++) {
    await new Promise((r) => setTimeout(r, 250));
    citizen = await page(stack.base, ciudadano, url);
  }
  t.deepEqual(formsIn(citizen.html, numero), ['subsanar']);
  t.regex(citizen.html, /Su expediente fue observado[\s\S]*Falta la copia del DNI del solicitante\./);
  t.regex(citizen.html, /<span class="plazo-de">Su plazo para subsanar<\/span> <strong>Subsanar hasta el (lunes|martes|miércoles|jueves|viernes) \d\d\/\d\d\/\d{4}, 23:59<\/strong>/);
  t.notRegex(citizen.html, /por unidad@demo\.gob\.pe/, 'citizens do not see staff accounts');
  t.regex(citizen.html, /<strong>Observado<\/strong>/);
});

test('a citizen cancels from the page after confirming; a later action is refused with the reason', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const { numero } = await file(t);
  const url = `/expedientes/${numero}`;
  const unconfirmed = await postForm(stack.base, ciudadano, `${url}/anular`, { motivo: 'Me equivoqué de entidad' });
  t.is(unconfirmed.status, 400);
  t.regex(unconfirmed.html, /Marque «Confirmo que deseo anular este expediente»/);
  t.regex(unconfirmed.html, /Me equivoqué de entidad<\/textarea>/);
  const done = await postForm(stack.base, ciudadano, `${url}/anular`, { motivo: 'Me equivoqué de entidad', confirmo: 'on' });
  t.is(done.status, 303);
  t.is(done.location, `${url}?ok=anular`);
  const after = await page(stack.base, ciudadano, done.location!);
  t.regex(after.html, /El expediente fue anulado\./);
  t.regex(after.html, /<span class="estado estado-ANULADO">anulado<\/span>/);
  t.regex(after.html, /<strong>Anulado<\/strong>/);
  t.deepEqual(formsIn(after.html, numero), []);

  // A stale page: mesa posts observar on the cancelled case → 409 page with the reason.
  const stale = await postForm(stack.base, mesa, `${url}/observar`, { motivo: 'Documento ilegible, adjunte otra copia.' });
  t.is(stale.status, 409);
  t.regex(stale.html, /role="alert"[\s\S]*No se puede observar el expediente \d{5}-\d{4}: está anulado\./);
  t.is((await postForm(stack.base, mesa, `${url}/volar`, {})).status, 404);
});

test('the detail lists the documents with role, size, SHA-256 and links; staff see the principal inline', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const anexo = await makePdf(1, 'Anexo');
  const { numero } = await file(t, { numeroDocumento: 'INF-7', antecedente: '', destino: 'OA' }, { anexos: [{ name: 'anexo-1.pdf', data: anexo, type: 'application/pdf' }] });
  const docs = await stack.db('documentos').join('expedientes', 'expedientes.id', 'documentos.expediente_id').where('expedientes.numero', numero).orderBy('documentos.id').select('documentos.*');
  t.is(docs.length, 2);
  const p = await page(stack.base, ciudadano, `/expedientes/${numero}`);
  t.regex(p.html, /<td data-label="Archivo" class="archivo">solicitud\.pdf<\/td>\s*<td data-label="Tipo"><span class="rol">Principal<\/span><\/td>/);
  t.regex(p.html, /anexo-1\.pdf<\/td>\s*<td data-label="Tipo"><span class="rol">Anexo<\/span><\/td>/);
  t.true(p.html.includes(`<code title="${docs[0].sha256}">${docs[0].sha256.slice(0, 12)}…</code>`));
  t.regex(p.html, /\d+(\.\d)? KB · 2 pág\./);
  t.true(p.html.includes(`<a href="/api/v1/documentos/${docs[0].id}" target="_blank" rel="noopener">Ver`));
  t.true(p.html.includes(`<a href="/api/v1/documentos/${docs[1].id}?descargar=1" download>Descargar`));
  t.regex(p.html, /<dt>Documento<\/dt><dd>Solicitud INF-7<\/dd>/);
  t.regex(p.html, /<dt>Destino<\/dt><dd>Oficina de Administración<\/dd>/);
  t.regex(p.html, /<dt>Folios<\/dt><dd>3<\/dd>/);
  t.regex(p.html, /<dt>Remitente<\/dt><dd>Rosa Quispe Mamani<\/dd>/);
  t.true(p.html.includes(`href="/expedientes/${numero}/cargo">Ver constancia</a>`));
  t.notRegex(p.html, /<iframe/);
  const staff = await page(stack.base, mesa, `/expedientes/${numero}`);
  t.true(staff.html.includes(`<iframe class="visor" src="/api/v1/documentos/${docs[0].id}" title="Documento principal: solicitud.pdf"`));
  // The links work for the filer: inline and as a download.
  const inline = await ciudadano.get(`/api/v1/documentos/${docs[0].id}`);
  t.is(inline.status, 200);
  t.regex(inline.headers.get('content-disposition') ?? '', /^inline/);
  await inline.arrayBuffer();
});

test('/consulta: the right tracking password shows the state and the seguimiento; a wrong one a neutral error', async (t) => {
  const { stack } = t.context;
  const { numero, claveSeguimiento } = await file(t, { asunto: 'Consulta pública de prueba' });
  for (let i = 0; i < 100; i++) {
    if (await stack.db('historial').join('expedientes', 'expedientes.id', 'historial.expediente_id').where('expedientes.numero', numero).first()) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const form = await fetch(`${stack.base}/consulta?numero=${numero}`, { headers: { accept: 'text/html' } });
  const html = await form.text();
  t.is(form.status, 200);
  t.regex(html, /<form method="post" action="\/consulta"/);
  t.true(html.includes(`value="${numero}"`));
  const cookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1];
  const ask = async (clave: string) => {
    const res = await fetch(`${stack.base}/consulta`, {
      method: 'POST',
      headers: { accept: 'text/html', cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ numero, clave, _csrf: csrf }),
    });
    return { status: res.status, html: await res.text() };
  };
  const ok = await ask(claveSeguimiento.toLowerCase());
  t.is(ok.status, 200);
  t.regex(ok.html, new RegExp(`<h2 id="res-titulo">Expediente ${numero}</h2>`));
  t.regex(ok.html, /pendiente de validación/);
  t.regex(ok.html, /Consulta pública de prueba/);
  t.regex(ok.html, /<strong>Presentado<\/strong>/);
  t.notRegex(ok.html, /Rosa Quispe/);
  t.notRegex(ok.html, /solicitud\.pdf/);
  t.false(ok.html.includes(claveSeguimiento), 'the password is not echoed back');

  const wrong = await ask('NOESLACLAVE');
  t.is(wrong.status, 404);
  t.regex(wrong.html, /No encontramos un expediente con ese número y clave\./);
  t.notRegex(wrong.html, /Consulta pública de prueba/);
  t.notRegex(wrong.html, /NOESLACLAVE/);
  const malformed = await fetch(`${stack.base}/consulta`, {
    method: 'POST',
    headers: { accept: 'text/html', cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ numero: '123', clave: 'ABCD', _csrf: csrf }),
  });
  t.is(malformed.status, 400);
  t.regex(await malformed.text(), /El número tiene la forma 00123-2026\./);
});

test('/verificacion/<código> shows what the cargo certifies with its SHA-256; an unknown code is a 404 page', async (t) => {
  const { stack } = t.context;
  const { numero, codigoVerificacion } = await file(t, { asunto: 'Verificación del cargo' });
  const pdf = await cargoPdf(t, numero);
  const sha = createHash('sha256').update(pdf).digest('hex');
  const p = await page(stack.base, null, `/verificacion/${codigoVerificacion}`);
  t.is(p.status, 200);
  t.regex(p.html, /Documento auténtico: Cargo de recepción/);
  t.true(p.html.includes(`<code class="sha" id="sha256">${sha}</code>`));
  t.true(p.html.includes(`<dt>Expediente</dt><dd>${numero}</dd>`));
  t.regex(p.html, /Verificación del cargo/);
  t.regex(p.html, /<dt>Emitido el<\/dt><dd>\d\d\/\d\d\/\d{4} \d\d:\d\d<\/dd>/);
  t.true(p.html.includes('Compare esta huella con la del PDF que recibió (por ejemplo con <code>sha256sum</code>)'));
  const lower = await page(stack.base, null, `/verificacion?codigo=${codigoVerificacion.toLowerCase()}`);
  t.is(lower.status, 200);
  t.true(lower.html.includes(sha));
  const unknown = await page(stack.base, null, '/verificacion/ZZZZ-ZZZZ-ZZZZ');
  t.is(unknown.status, 404);
  t.regex(unknown.html, /No existe un documento con ese código\./);
  const junk = await page(stack.base, null, `/verificacion/${encodeURIComponent('<b>x</b>')}`);
  t.is(junk.status, 404);
  t.false(junk.html.includes('<b>X</b>'));
  const form = await page(stack.base, null, '/verificacion');
  t.is(form.status, 200);
  t.regex(form.html, /<form method="get" action="\/verificacion"/);
});

test('what people typed is escaped on every page', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const evil = '<script>alert(1)</script>';
  const { numero, claveSeguimiento, codigoVerificacion } = await file(t, { asunto: `Pedido ${evil}`, contenido: `<img src=x onerror=alert(2)>`, numeroDocumento: '"><b>N</b>' });
  const escaped = 'Pedido &lt;script&gt;alert(1)&lt;/script&gt;';
  const pages = [
    await page(stack.base, ciudadano, `/expedientes/${numero}`),
    await page(stack.base, mesa, `/expedientes/${numero}`),
    await page(stack.base, ciudadano, `/expedientes/${numero}/cargo`),
    await page(stack.base, ciudadano, `/?numero=${numero}`),
    await page(stack.base, mesa, `/?numero=${numero}`),
  ];
  for (const p of pages) {
    t.is(p.status, 200);
    t.true(p.html.includes(escaped));
    t.false(p.html.includes(evil));
    t.false(p.html.includes('<img src=x'));
    t.false(p.html.includes('"><b>N</b>'));
  }
  t.true(pages[0].html.includes('&lt;img src&#x3D;x onerror&#x3D;alert(2)&gt;'));
  const observed = await postForm(stack.base, mesa, `/expedientes/${numero}/observar`, { motivo: `Corrija ${evil}` });
  t.is(observed.status, 303);
  const after = await page(stack.base, ciudadano, `/expedientes/${numero}`);
  t.true(after.html.includes('Corrija &lt;script&gt;'));
  t.false(after.html.includes(evil));
  await cargoPdf(t, numero);
  const v = await page(stack.base, null, `/verificacion/${codigoVerificacion}`);
  t.true(v.html.includes(escaped));
  t.false(v.html.includes(evil));
  const filtered = await page(stack.base, ciudadano, `/?asunto=${encodeURIComponent('"><script>x</script>')}`);
  t.false(filtered.html.includes('<script>x</script>'));
  t.truthy(claveSeguimiento);
});

// ---------------------------------------------------------------------------------------------
// A real browser: log in, fill the form, attach a PDF, send it with the progress bar, land on the
// cargo with the number and the tracking password.

const shots = process.env.SCREENSHOTS_DIR;
async function shoot(p: BrowserPage, name: string) {
  if (!shots) return;
  await p.screenshot({ path: join(shots, `p4-${name}.png`) as `${string}.png`, fullPage: true });
  const width = p.viewport()?.width ?? 1280;
  await p.setViewport({ width: 390, height: 844, deviceScaleFactor: 1 });
  await p.screenshot({ path: join(shots, `p4-${name}-390.png`) as `${string}.png`, fullPage: true });
  await p.setViewport({ width, height: 900 });
}

test('in a browser: a citizen files through the form and sees the cargo with the tracking password', async (t) => {
  const { stack } = t.context;
  const base = stack.base;
  const dir = await mkdtemp(join(tmpdir(), 'mpv-p4-'));
  const pdfPath = join(dir, 'solicitud-navegador.pdf');
  await writeFile(pdfPath, await makePdf(4, 'Solicitud enviada desde el navegador'));
  const respuestaPath = join(dir, 'respuesta.pdf');
  await writeFile(respuestaPath, await makePdf(1, 'Respuesta de la entidad'));
  const { browser, errors, session } = await openBrowser(base);
  try {
    const anon = await browser.newPage();
    await anon.setViewport({ width: 1280, height: 900 });
    await anon.goto(`${base}/`);
    await shoot(anon, 'inicio');
    await anon.goto(`${base}/consulta`);
    await shoot(anon, 'consulta');

    const p = await session('ciudadano@demo.pe', '/expedientes/nuevo');
    t.is(new URL(p.url()).pathname, '/expedientes/nuevo');
    // "Si lo envía ahora" comes from the calendar API too.
    await p.waitForFunction(() => /\d\d\/\d\d\/\d{4} \d\d:\d\d/.test(document.getElementById('ahora-recepcion')!.textContent ?? ''));
    await p.select('#f-tipoDocumento', 'SOLICITUD');
    await p.type('#f-asunto', 'Solicito constancia de trabajo (navegador)');
    await p.type('#f-contenido', 'Trabajé en la entidad de 2019 a 2023.');
    await p.select('#f-destino', 'RRHH');
    const principal = await p.$('#f-principal');
    await (principal as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(pdfPath);
    // Folios suggested from the PDF's page count (pdf-lib writes compressed object streams).
    await p.waitForFunction(() => (document.getElementById('f-folios') as HTMLInputElement).value === '4', { timeout: 10_000 });
    t.regex(await p.$eval('#f-folios-auto', (e) => e.textContent ?? ''), /4 páginas/);
    await p.click('#f-aceptaPrivacidad');
    await shoot(p, 'nuevo');

    // A damaged PDF: the server's message shows in the alert and the field gets the focus.
    const damagedPath = join(dir, 'danado.pdf');
    await writeFile(damagedPath, '%PDF-1.7\nesto no es un PDF legible\n%%EOF\n');
    await (principal as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(damagedPath);
    await p.click('#btn-enviar');
    await p.waitForFunction(() => !document.getElementById('form-alerta')!.hidden, { timeout: 15_000 });
    t.regex(await p.$eval('#form-alerta', (e) => e.textContent ?? ''), /dañado o no se puede leer/);
    t.is(await p.evaluate(() => document.activeElement?.id), 'f-principal');
    t.false(await p.$eval('#btn-enviar', (e) => (e as HTMLButtonElement).disabled));
    await shoot(p, 'nuevo-error');
    await (principal as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(pdfPath);
    await p.waitForFunction(() => /4 páginas/.test(document.getElementById('f-folios-auto')!.textContent ?? ''));

    let progressShown = false;
    await p.exposeFunction('__progresoVisible', () => {
      progressShown = true;
    });
    t.truthy(await p.$('progress#envio-progreso'));
    await p.evaluate(() => {
      const envio = document.getElementById('envio')!;
      new MutationObserver(() => {
        if (!envio.hidden) (window as unknown as { __progresoVisible(): void }).__progresoVisible();
      }).observe(envio, { attributes: true });
    });
    await Promise.all([p.waitForNavigation({ waitUntil: 'networkidle0' }), p.click('#btn-enviar')]);
    t.true(progressShown, 'the progress bar was shown while sending');
    const cargoUrl = new URL(p.url());
    t.regex(cargoUrl.pathname, /^\/expedientes\/\d{5}-\d{4}\/cargo$/);
    t.is(cargoUrl.search, '?nuevo=1');
    const numero = await p.$eval('#cargo-numero', (e) => e.textContent?.trim() ?? '');
    t.true(cargoUrl.pathname.includes(numero));
    t.true(await p.$eval('#clave-mostrada', (e) => !(e as HTMLElement).hidden));
    const clave = await p.$eval('#clave-valor', (e) => e.textContent ?? '');
    t.regex(clave, /^[A-Z0-9]{8}$/);
    t.false(p.url().includes(clave));
    const row = await stack.db('expedientes').where({ numero }).first();
    t.is(row.asunto, 'Solicito constancia de trabajo (navegador)');
    t.is(row.destino, 'RRHH');
    t.is(row.folios, 4);
    t.truthy(row.idempotency_key);
    const consulta = await fetch(`${base}/api/v1/consulta?numero=${numero}&clave=${clave}`, { headers: { accept: 'application/json' } });
    t.is(consulta.status, 200, 'the password shown is the real one');
    await shoot(p, 'cargo');

    await p.goto(`${base}/expedientes/${numero}`);
    await shoot(p, 'detalle-ciudadano');
    // Actualizar (multipart, through acciones.js): only changed fields are sent.
    await p.click('#accion-actualizar summary');
    await p.click('#accion-actualizar button[type="submit"]');
    await p.waitForFunction(() => !document.querySelector<HTMLElement>('#accion-actualizar .form-alerta')!.hidden);
    t.regex(await p.$eval('#accion-actualizar .form-alerta', (e) => e.textContent ?? ''), /No hay cambios que guardar/);
    await p.$eval('#f-actualizar-asunto', (e) => ((e as HTMLInputElement).value = ''));
    await p.type('#f-actualizar-asunto', 'Solicito constancia de trabajo 2019-2023');
    await Promise.all([p.waitForNavigation(), p.click('#accion-actualizar button[type="submit"]')]);
    t.is(new URL(p.url()).search, '?ok=actualizar');
    const updated = await p.$eval('main', (e) => e.textContent ?? '');
    t.regex(updated, /Se actualizaron los datos del expediente\./);
    t.regex(updated, /Actualizó: asunto\b(?!, contenido)/);
    t.regex(updated, /Solicito constancia de trabajo 2019-2023/);
    await p.goto(`${base}/`);
    await shoot(p, 'mis-tramites');

    // Mesa de partes derives through the page form (urlencoded, no script needed).
    const mesa = await session('mesa@demo.gob.pe', `/expedientes/${numero}`);
    await shoot(mesa, 'detalle-mesa');
    await mesa.click('#accion-derivar summary');
    await mesa.select('#f-derivar-unidad', 'OAJ');
    await mesa.type('#f-derivar-proveido', 'Para su atención.');
    await mesa.click('#f-derivar-confirmo');
    await Promise.all([mesa.waitForNavigation(), mesa.click('#accion-derivar button[type="submit"]')]);
    t.regex(await mesa.$eval('main', (e) => e.textContent ?? ''), /El expediente fue derivado\./);
    await mesa.goto(`${base}/`);
    await shoot(mesa, 'expedientes-mesa');

    // The office receives, then attends with a PDF: the multipart form goes through acciones.js.
    const unidad = await session('unidad@demo.gob.pe', `/expedientes/${numero}`);
    await Promise.all([unidad.waitForNavigation(), unidad.click('form[data-accion="recibir"] button')]);
    await unidad.click('#accion-atender summary');
    await unidad.type('#f-atender-comentario', 'Se adjunta la constancia solicitada.');
    const respuesta = await unidad.$('#f-atender-respuesta');
    await (respuesta as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(respuestaPath);
    await shoot(unidad, 'detalle-unidad');
    await Promise.all([unidad.waitForNavigation(), unidad.click('#accion-atender button[type="submit"]')]);
    t.is(new URL(unidad.url()).search, '?ok=atender');
    t.regex(await unidad.$eval('main', (e) => e.textContent ?? ''), /El expediente fue atendido\./);
    t.regex(await unidad.$eval('main', (e) => e.textContent ?? ''), /respuesta\.pdf/);

    await p.goto(`${base}/expedientes/${numero}`);
    await shoot(p, 'detalle-atendido');
    await anon.goto(`${base}/consulta`);
    await anon.type('#f-numero', numero);
    await anon.type('#f-clave', clave);
    await Promise.all([anon.waitForNavigation(), anon.click('main form button[type="submit"]')]);
    t.regex(await anon.$eval('main', (e) => e.textContent ?? ''), /atendido/);
    await shoot(anon, 'consulta-resultado');
    await cargoPdf(t, numero);
    await anon.goto(`${base}/verificacion/${row.codigo_verificacion}`);
    t.regex(await anon.$eval('#sha256', (e) => e.textContent ?? ''), /^[0-9a-f]{64}$/);
    await shoot(anon, 'verificacion');
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});

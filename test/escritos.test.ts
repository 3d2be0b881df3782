// Escritos to an existing case (issue #14, SEI's "peticionamento intercorrente") on the real stack:
// the filer adds a document in any state but ANULADO/ARCHIVADO and gets its cargo (both legal dates,
// files with their SHA-256, a verification code that resolves, mailed with the PDF); the case's
// state does not change; the seguimiento lists it; the office holding the case is mailed and sees
// «escrito nuevo» in its tray until its staff open the case; a retried request (same
// Idempotency-Key) is the same escrito. Refusals say why. Then the page flow in a browser.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { sharedStack, type Shared } from './helpers/shared';
import { startStack, uid } from './helpers/stack';
import { actionMultipart, extraAccount, fileMultipart, loginAs, makePdf, type Client, type Json } from './helpers/http';
import { unescapeHtml } from './helpers/html';
import { openBrowser } from './helpers/browser';
import { until } from './helpers/wait';
import { fastCalendar } from '../lib/business-calendar';
import { formatDay, formatLimaInstant } from '../lib/documents';
import { workflowsPath } from '../lib/worker';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { escritoUpdate, workflowIdFor, type NuevoDocumento } from '../workflows/definitions';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe' }, async (stack) => ({
  otra: await extraAccount(stack.base, stack.db, 'otra-escritos@demo.pe', { rol: 'ciudadano', tipo_documento: 'DNI', numero_documento: '40000019', nombres: 'Otra' }),
}));
type Ctx = Shared<'ciudadano' | 'mesa' | 'unidad', { otra: Client }>;

const sha256 = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString().replace(/\s+/g, ' ');

/** POST /api/v1/expedientes/{numero}/escritos as the portal or another system sends it. */
async function escrito(
  base: string,
  c: Client,
  numero: string,
  fields: Record<string, string>,
  files: { principal?: Uint8Array; anexos?: { name: string; data: Uint8Array }[] } = {},
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (files.principal) form.append('principal', new Blob([files.principal as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), 'escrito.pdf');
  for (const a of files.anexos ?? []) form.append('anexos', new Blob([a.data as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), a.name);
  const res = await fetch(`${base}/api/v1/expedientes/${numero}/escritos`, {
    method: 'POST',
    headers: { accept: 'application/json', cookie: c.cookie, 'x-csrf-token': c.csrf, ...headers },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
}

async function file(t: { context: Ctx }, asunto: string) {
  const r = await fileMultipart(t.context.stack.base, t.context.ciudadano, { asunto: `${asunto} ${uid()}` });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

async function download(c: Client, url: string) {
  const res = await c.get(url);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

async function trayRow(c: Client, bandeja: string, numero: string) {
  const res = await c.get(`/api/v1/bandejas/${bandeja}?numero=${numero}`);
  const body = (await res.json()) as Json;
  return (body.expedientes as { numero: string; escritoNuevo: boolean }[]).find((e) => e.numero === numero);
}

async function html(base: string, c: Client, path: string) {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c.cookie } });
  return { status: res.status, location: res.headers.get('location'), html: unescapeHtml(await res.text()) };
}

test('an escrito to a case in trámite: 201 with its number, both dates and its cargo; a retry is the same escrito; the office is told', async (t) => {
  const { stack, ciudadano, mesa, unidad } = t.context;
  const { base, db, mail, config } = stack;
  const numero = await file(t, 'Licencia de edificación');
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Para su opinión' })).status, 200);
  t.false((await trayRow(unidad, 'por-recibir', numero))!.escritoNuevo);
  const { updated_at: derivadoEl } = await db('expedientes').where({ numero }).first('updated_at');

  const principal = await makePdf(2, 'Escrito: adjunto el plano firmado');
  const anexo = await makePdf(1, 'Plano firmado');
  const key = `escrito-${uid()}`;
  const send = () => escrito(base, ciudadano, numero, { asunto: 'Adjunto el plano firmado', contenido: 'Remito el plano que faltaba.' }, { principal, anexos: [{ name: 'plano.pdf', data: anexo }] }, { 'Idempotency-Key': key });
  // A double click: two requests with the same key at once make one escrito.
  const [first, second] = await Promise.all([send(), send()]);
  t.is(first.status, 201, JSON.stringify(first.body));
  t.deepEqual(second, first);
  const r = first.body;
  t.deepEqual(Object.keys(r).sort(), ['cargoUrl', 'codigoVerificacion', 'escrito', 'fechaPresentacion', 'fechaRecepcion', 'numero']);
  t.like(r, { numero, escrito: 1, cargoUrl: `/api/v1/expedientes/${numero}/escritos/1/cargo.pdf` });
  t.regex(r.codigoVerificacion, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  // Both legal dates, as the calendar gives them for the instant it was received (as a filing's).
  const row = await db('escritos').where({ codigo_verificacion: r.codigoVerificacion }).first();
  const cal = (await (await fetch(`${base}/api/v1/calendario/presentacion?en=${encodeURIComponent(new Date(row.presentado_en).toISOString())}`)).json()) as Json;
  t.is(r.fechaPresentacion, cal.presentacion);
  t.is(r.fechaRecepcion, cal.recepcion);
  // A later retry with the key: the same escrito, still one.
  t.deepEqual(await send(), first);
  const exp = await db('expedientes').where({ numero }).first('id');
  t.is(Number((await db('escritos').where({ expediente_id: exp.id }).count({ n: '*' }).first())!.n), 1);

  // The state does not change; the seguimiento lists it with its files; the case lists its cargo.
  const detail = (await ciudadano.json('GET', `/api/v1/expedientes/${numero}`)).body;
  t.like(detail, { estado: 'DERIVADO', unidad: 'OAJ' });
  const pasos = (detail.seguimiento as Json[]).filter((s) => s.accion === 'ESCRITO');
  t.is(pasos.length, 1);
  t.like(pasos[0], { estadoAnterior: 'DERIVADO', estadoNuevo: 'DERIVADO', nota: 'Adjunto el plano firmado' });
  t.deepEqual((pasos[0].documentos as Json[]).map((d) => [d.nombre, d.sha256]), [['escrito.pdf', sha256(principal)], ['plano.pdf', sha256(anexo)]]);
  t.like(detail.escritos[0], { tipo: 'ESCRITO', numero: 1, titulo: 'Escrito N.º 1', asunto: 'Adjunto el plano firmado', codigoVerificacion: r.codigoVerificacion, cargoUrl: r.cargoUrl });

  // Its cargo: the case, both dates, the files with their SHA-256, the code.
  const cargo = await download(ciudadano, r.cargoUrl);
  t.is(cargo.status, 200);
  t.is(cargo.type, 'application/pdf');
  const text = pdfText(cargo.body);
  const recibido = new Date(row.recibido_en);
  for (const s of ['CARGO DE PRESENTACIÓN — Escrito N.º 1', numero, formatDay(r.fechaPresentacion), formatLimaInstant(recibido), 'Adjunto el plano firmado', 'escrito.pdf', 'plano.pdf', r.codigoVerificacion]) {
    t.true(text.includes(s), s);
  }
  for (const h of [sha256(principal), sha256(anexo)]) t.true(text.replace(/\s+/g, '').includes(h), h);
  t.is((await download(t.context.otra, r.cargoUrl)).status, 404);

  // Its code says what it certifies, with the PDF's SHA-256.
  const v = await fetch(`${base}/api/v1/verificacion/${r.codigoVerificacion}`);
  t.is(v.status, 200);
  t.like((await v.json()) as Json, { tipo: 'CARGO', documento: 'Cargo de presentación — Escrito N.º 1', expediente: numero, sha256: sha256(cargo.body) });

  // Mailed to the filer with the PDF; the office holding the case is told.
  const mailed = await mail.waitFor((m) => m.to.includes('ciudadano@demo.pe') && m.subject.includes(`Escrito N.º 1 — expediente ${numero}`));
  t.is(mailed.attachments.length, 1);
  t.is(sha256(mailed.attachments[0].content), sha256(cargo.body));
  const aviso = await mail.waitFor((m) => m.to.includes('unidad@demo.gob.pe') && m.subject.includes(`Escrito nuevo en el expediente ${numero}`));
  t.true(aviso.text.includes('Adjunto el plano firmado'));
  t.true(aviso.text.includes(`${config.http.publicUrl}/expedientes/${numero}`));
  t.false(mail.messages.some((m) => m.to.includes('mesa@demo.gob.pe') && m.subject.includes(`Escrito nuevo en el expediente ${numero}`)), 'only the office that holds it');

  // «escrito nuevo» in the tray of the office holding it, until its staff open the case: not
  // when the filer or another office's staff look at it.
  t.true((await trayRow(unidad, 'por-recibir', numero))!.escritoNuevo);
  const tray = await html(base, unidad, '/bandeja/por-recibir');
  t.regex(tray.html, new RegExp(`href="/expedientes/${numero}">${numero}</a>\\s*<span class="escrito-nuevo">escrito nuevo</span>`));
  await ciudadano.get(`/api/v1/expedientes/${numero}`);
  await html(base, mesa, `/expedientes/${numero}`);
  t.true((await trayRow(unidad, 'por-recibir', numero))!.escritoNuevo);
  const staffPage = await html(base, unidad, `/expedientes/${numero}`);
  t.true(staffPage.html.includes('Escritos y subsanaciones'));
  t.true(staffPage.html.includes(`href="/expedientes/${numero}/escritos/1"`));
  t.regex(staffPage.html, /<strong>Escrito presentado<\/strong>/);
  t.false(staffPage.html.includes('id="presentar-escrito"'), 'staff do not present escritos');
  t.true((await html(base, ciudadano, `/expedientes/${numero}`)).html.includes(`href="/expedientes/${numero}/escritos/nuevo"`));
  t.false((await trayRow(unidad, 'por-recibir', numero))!.escritoNuevo);
  t.notRegex((await html(base, unidad, '/bandeja/por-recibir')).html, new RegExp(`href="/expedientes/${numero}">${numero}</a>\\s*<span class="escrito-nuevo">`));

  // A second escrito, without a key: number 2. Staff's last action is still the derivation.
  const dos = await escrito(base, ciudadano, numero, { asunto: 'Precisión sobre el plano' }, { principal: await makePdf(1, 'Precisión') });
  t.is(dos.status, 201);
  t.is(dos.body.escrito, 2);
  t.true((await trayRow(unidad, 'por-recibir', numero))!.escritoNuevo);
  t.deepEqual((await db('expedientes').where({ numero }).first('updated_at')).updated_at, derivadoEl);

  // The workflow's validator has the last word: only the case's filer, and with the escrito in PDF.
  const handle = stack.client.workflow.getHandle(workflowIdFor(numero));
  const directo = (actor: { usuario: string; rol: 'ciudadano' | 'mesa_partes' }, cuentaId: number, documentos: NuevoDocumento[]) =>
    handle.executeUpdate(escritoUpdate, {
      args: [{ actor, presentante: { cuentaId, apiTokenId: null }, asunto: 'Directo', contenido: '', documentos, idempotencyKey: null, recepcion: { presentadoEn: new Date().toISOString(), fechaPresentacion: '2026-12-01', recibidoEn: new Date().toISOString(), codigoVerificacion: 'ZZZZ-ZZZZ-ZZZZ' } }],
    });
  const { id: otraId } = await db('cuentas').where({ email: 'otra-escritos@demo.pe' }).first('id');
  const { id: filerId } = await db('cuentas').where({ email: 'ciudadano@demo.pe' }).first('id');
  const doc: NuevoDocumento = { rol: 'ESCRITO', nombre: 'x.pdf', sha256: sha256(principal), bytes: principal.length, mime: 'application/pdf', paginas: 2, subidoPor: otraId, subidoEn: new Date().toISOString() };
  for (const [actor, cuentaId, documentos, message] of [
    [{ usuario: 'otra-escritos@demo.pe', rol: 'ciudadano' }, otraId, [doc], 'Solo quien presentó el expediente puede presentarle escritos.'],
    [{ usuario: 'mesa@demo.gob.pe', rol: 'mesa_partes' }, filerId, [doc], 'Solo quien presentó el expediente puede presentarle escritos.'],
    [{ usuario: 'ciudadano@demo.pe', rol: 'ciudadano' }, filerId, [], 'Adjunte el escrito en PDF (documento principal).'],
  ] as const) {
    const err = await t.throwsAsync(directo(actor, cuentaId, [...documentos]), { instanceOf: WorkflowUpdateFailedError });
    t.is((err?.cause as Error | undefined)?.message, message);
  }
  t.is(Number((await db('escritos').where({ expediente_id: exp.id }).count({ n: '*' }).first())!.n), 2);

  // The case's history with these updates (Updates on the case's own workflow) replays on today's code.
  const history = await handle.fetchHistory();
  t.true(JSON.stringify(history).includes('presentarEscrito'));
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  await t.notThrowsAsync(Worker.runReplayHistory(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath }, history, handle.workflowId));
});

test('an ATENDIDO case takes escritos too (its workflow has ended); ANULADO refuses them with the reason; others are refused; nothing is stored', async (t) => {
  const { stack, ciudadano, mesa, unidad, otra } = t.context;
  const { base, db, client } = stack;

  // Atendido: the case's workflow is over; the escrito is recorded after its last step.
  const atendido = await file(t, 'Copia certificada');
  const path = `/api/v1/expedientes/${atendido}`;
  t.is((await mesa.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' })).status, 200);
  t.is((await unidad.post(`${path}/recibir`)).status, 200);
  const done = await actionMultipart(base, unidad, atendido, 'atender', { comentario: 'Se entrega la copia' }, [{ field: 'respuesta', name: 'respuesta.pdf', data: await makePdf(1, 'Respuesta') }]);
  t.is(done.status, 200);
  t.is((await client.workflow.getHandle(workflowIdFor(atendido)).result()).estado, 'ATENDIDO');
  const { updated_at: atendidoEl } = await db('expedientes').where({ numero: atendido }).first('updated_at');
  const key = `atendido-${uid()}`;
  const aclaracion = await makePdf(1, 'Aclaración');
  const send = () => escrito(base, ciudadano, atendido, { asunto: 'Solicito aclaración de la respuesta' }, { principal: aclaracion }, { 'Idempotency-Key': key });
  const [a, b] = await Promise.all([send(), send()]);
  t.is(a.status, 201, JSON.stringify(a.body));
  t.deepEqual(b, a);
  t.like(a.body, { numero: atendido, escrito: 1 });
  // Recorded by a workflow of its own: the case's ended before and took no update.
  const historia = await client.workflow.getHandle(workflowIdFor(atendido)).fetchHistory();
  t.false(JSON.stringify(historia).includes('presentarEscrito'));
  const detail = (await ciudadano.json('GET', path)).body;
  t.is(detail.estado, 'ATENDIDO');
  t.deepEqual((detail.seguimiento as Json[]).map((s) => s.accion), ['PRESENTAR', 'DERIVAR', 'RECIBIR', 'ATENDER', 'ESCRITO']);
  t.like((detail.seguimiento as Json[]).at(-1), { estadoAnterior: 'ATENDIDO', estadoNuevo: 'ATENDIDO', nota: 'Solicito aclaración de la respuesta' });
  t.is((await download(ciudadano, a.body.cargoUrl)).status, 200);
  t.is((await fetch(`${base}/api/v1/verificacion/${a.body.codigoVerificacion}`)).status, 200);
  // Marked for the office that attended it (its «Atendidos» tray), until it opens the case.
  t.true((await trayRow(unidad, 'atendidos', atendido))!.escritoNuevo);
  await unidad.get(path);
  t.false((await trayRow(unidad, 'atendidos', atendido))!.escritoNuevo);
  t.deepEqual(await send(), a);
  // Its «Atendido el» stays the answer's: the trays' last action is staff's.
  t.deepEqual((await db('expedientes').where({ numero: atendido }).first('updated_at')).updated_at, atendidoEl);
  t.is(Number((await db('escritos').where({ codigo_verificacion: a.body.codigoVerificacion }).count({ n: '*' }).first())!.n), 1);

  // Observado: it takes an escrito (for example, to ask for more time), and stays observed.
  const observado = await file(t, 'Se observará');
  t.is((await mesa.post(`/api/v1/expedientes/${observado}/observar`, { motivo: 'Falta la firma' })).status, 200);
  const ampliacion = await escrito(base, ciudadano, observado, { asunto: 'Solicito ampliación de plazo' }, { principal: await makePdf(1, 'Ampliación') });
  t.is(ampliacion.status, 201, JSON.stringify(ampliacion.body));
  t.like((await ciudadano.json('GET', `/api/v1/expedientes/${observado}`)).body, { estado: 'OBSERVADO', escritos: [{ tipo: 'ESCRITO', numero: 1 }] });
  // While it has no office, mesa de partes holds it: its tray, its mail.
  t.true((await trayRow(mesa, 'observados', observado))!.escritoNuevo);
  await t.context.stack.mail.waitFor((m) => m.to.includes('mesa@demo.gob.pe') && m.subject.includes(`Escrito nuevo en el expediente ${observado}`));

  // Anulado: 409 with the reason; nothing is stored.
  const anulado = await file(t, 'Se anulará');
  t.is((await ciudadano.post(`/api/v1/expedientes/${anulado}/anular`, { motivo: 'Ya no lo necesito' })).status, 200);
  // Its filing's cargo is printed in the background: once it is, nothing else may appear.
  await until(async () => Boolean((await db('expedientes').where({ numero: anulado }).first('cargo_key')).cargo_key));
  const before = await counts(t, [anulado, atendido]);
  const pdf = await makePdf(1, `Escrito rechazado ${uid()}`);
  const refused = await escrito(base, ciudadano, anulado, { asunto: 'Un escrito más' }, { principal: pdf });
  t.is(refused.status, 409);
  t.is(refused.body.error.message, `No se puede presentar un escrito al expediente ${anulado}: está anulado.`);

  // Another citizen: the case does not exist for them. Staff do not file escritos.
  const ajeno = await escrito(base, otra, atendido, { asunto: 'No es mío' }, { principal: pdf });
  t.is(ajeno.status, 404);
  t.is(ajeno.body.error.message, 'El expediente no existe.');
  const staff = await escrito(base, mesa, atendido, { asunto: 'Soy personal' }, { principal: pdf });
  t.is(staff.status, 403);

  // Bad input: the field and a message a person reads.
  const sinPrincipal = await escrito(base, ciudadano, atendido, { asunto: 'Sin documento' });
  t.is(sinPrincipal.status, 400);
  t.like(sinPrincipal.body.error, { campo: 'principal', message: 'Adjunte el escrito en PDF (documento principal).' });
  const key2 = await escrito(base, ciudadano, atendido, { asunto: 'Clave mala' }, { principal: pdf }, { 'Idempotency-Key': 'corta' });
  t.is(key2.status, 400);
  // Refused before its files were read: the PDF was never stored.
  t.false(await stack.storage.exists(sha256(pdf)));
  const corto = await escrito(base, ciudadano, atendido, { asunto: 'x' }, { principal: pdf });
  t.is(corto.status, 400);
  t.is(corto.body.error.campo, 'asunto');
  t.deepEqual(await counts(t, [anulado, atendido]), before);
});

/** What an escrito writes, for these cases: a refused one writes none of it. */
async function counts(t: { context: Ctx }, numeros: string[]) {
  const { db } = t.context.stack;
  const ids = db('expedientes').whereIn('numero', numeros).select('id');
  const n = async (table: string) => Number((await db(table).whereIn('expediente_id', ids).count({ n: '*' }).first())!.n);
  return { escritos: await n('escritos'), historial: await n('historial'), documentos: await n('documentos'), verificaciones: await n('verificaciones') };
}

test('an ARCHIVADO case refuses escritos with the reason (409)', async (t) => {
  const stack = await startStack({}, { calendar: fastCalendar(1500) });
  t.teardown(() => stack.close());
  const [ciudadano, mesa] = await Promise.all([loginAs(stack.base, 'ciudadano@demo.pe'), loginAs(stack.base, 'mesa@demo.gob.pe')]);
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: 'No se subsanará' });
  t.is((await mesa.post(`/api/v1/expedientes/${body.numero}/observar`, { motivo: 'Falta la firma' })).status, 200);
  t.is((await stack.client.workflow.getHandle(workflowIdFor(body.numero)).result()).estado, 'ARCHIVADO');
  const r = await escrito(stack.base, ciudadano, body.numero, { asunto: 'Subsano tarde' }, { principal: await makePdf(1, 'Tarde') });
  t.is(r.status, 409);
  t.is(r.body.error.message, `No se puede presentar un escrito al expediente ${body.numero}: está archivado.`);
  t.is(Number((await stack.db('escritos').count({ n: '*' }).first())!.n), 0);
});

test('in a browser: the filer presents an escrito from the case page and lands on its cargo; staff see it listed', async (t) => {
  const { stack, unidad, mesa } = t.context;
  const base = stack.base;
  const numero = await file(t, 'Escrito desde el navegador');
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' })).status, 200);
  const dir = await mkdtemp(join(tmpdir(), 'mpv-escrito-'));
  const pdfPath = join(dir, 'desistimiento.pdf');
  const pdf = await makePdf(1, 'Me desisto de la solicitud');
  await writeFile(pdfPath, pdf);
  const { errors, session, close } = await openBrowser(base);
  try {
    const p = await session('ciudadano@demo.pe', `/expedientes/${numero}`);
    await Promise.all([p.waitForNavigation(), p.click('#presentar-escrito')]);
    t.is(new URL(p.url()).pathname, `/expedientes/${numero}/escritos/nuevo`);
    t.regex(await p.$eval('main', (e) => e.textContent ?? ''), /Si lo envía ahora: fecha de presentación/);
    await p.type('#f-asunto', 'Desistimiento de la solicitud');
    const input = await p.$('#f-principal');
    await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(pdfPath);
    await Promise.all([p.waitForNavigation(), p.click('#btn-enviar')]);
    const url = new URL(p.url());
    t.is(url.pathname, `/expedientes/${numero}/escritos/1`);
    t.is(url.search, '?nuevo=1');
    const main = await p.$eval('main', (e) => e.textContent ?? '');
    t.regex(main, /Su escrito fue presentado\./);
    t.regex(main, /Escrito N\.º 1/);
    const exp = await stack.db('expedientes').where({ numero }).first('id');
    const row = await stack.db('escritos').where({ expediente_id: exp.id, numero: 1 }).first();
    t.is(await p.$eval('#codigo-verificacion', (e) => e.textContent?.trim()), row.codigo_verificacion);
    const href = await p.$eval('#descargar-cargo', (e) => e.getAttribute('href'));
    t.is(href, `/api/v1/expedientes/${numero}/escritos/1/cargo.pdf?descargar=1`);
    // The link downloads the cargo, in this session.
    const cookies = (await p.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(`${base}${href}`, { headers: { cookie: cookies } });
    t.is(res.status, 200);
    t.regex(pdfText(Buffer.from(await res.arrayBuffer())), /CARGO DE PRESENTACIÓN — Escrito N\.º 1/);
    // The case page lists it with its cargo; the seguimiento has the step.
    await p.goto(`${base}/expedientes/${numero}`);
    const caso = await p.$eval('main', (e) => e.textContent ?? '');
    t.regex(caso, /Escritos y subsanaciones[\s\S]*Escrito N\.º 1[\s\S]*Desistimiento de la solicitud/);
    t.regex(caso, /Escrito presentado/);
    t.deepEqual(errors, []);
  } finally {
    await close();
    await rm(dir, { recursive: true, force: true });
  }
  // The office's page too, and its tray marks it until then.
  t.true((await trayRow(unidad, 'por-recibir', numero))!.escritoNuevo);
  const staff = await html(base, unidad, `/expedientes/${numero}/escritos/1`);
  t.is(staff.status, 200);
  t.true(staff.html.includes('Desistimiento de la solicitud'));
  t.true(staff.html.includes('Se envió una copia del cargo al correo del administrado.'));
});

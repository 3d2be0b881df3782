// Responses carry their own document type and number (issue 14, part 5): atender may name the
// response's type (one of the catalogue's) and its number as the office writes it; the casilla
// (list and notification), the constancia, the alert mail, the case view (page and API) and the
// seguimiento print it; without them the response is «Documento de respuesta» numbered by the
// system as before; a type outside the catalogue or a bad number is a 400 in Spanish naming the
// field; the case page's form has both fields, and a real browser attends with them.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Page } from 'puppeteer-core';
import { sharedStack, type Shared } from './helpers/shared';
import { actionMultipart, fileMultipart, makePdf, type Client, type Json } from './helpers/http';
import { unescapeHtml } from './helpers/html';
import { openBrowser } from './helpers/browser';
import { uid } from './helpers/stack';
import { workflowsPath } from '../lib/worker';
import { REFUSED, atenderUpdate, estadoQuery, workflowIdFor } from '../workflows/definitions';
import { atenderInputRefusal } from '../domain/acciones';
import { numeroSinTipo } from '../domain/formats';
import type { ItemCasilla, NotificacionAbierta, PaginaCasilla } from '../services/casilla/casilla';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe' });
type Ctx = Shared<'ciudadano' | 'mesa' | 'unidad'>;
type T = { context: Ctx };

const SYSTEM_NUMBER = /^\d{5}-\d{4}-OAJ\/EDEP$/;
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString().replace(/[ \t]+/g, ' ');

async function act(c: Client, numero: string, accion: string, body: Record<string, string> = {}) {
  const r = await c.post(`/api/v1/expedientes/${numero}/${accion}`, body);
  if (r.status !== 200) throw new Error(`${accion} ${numero}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A case filed by the citizen and received by OAJ, ready to be attended. */
async function enOficina(t: T, asunto = `Respuesta ${uid()} solicitud`) {
  const { stack, ciudadano, mesa, unidad } = t.context;
  const r = await fileMultipart(stack.base, ciudadano, { asunto });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  const numero = r.body.numero as string;
  await act(mesa, numero, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
  await act(unidad, numero, 'recibir');
  return numero;
}

async function atender(t: T, numero: string, fields: Record<string, string>) {
  const respuesta = await makePdf(1, 'Respuesta');
  return actionMultipart(t.context.stack.base, t.context.unidad, numero, 'atender', { comentario: 'Se atiende lo solicitado', ...fields }, [{ field: 'respuesta', name: 'respuesta.pdf', data: respuesta }]);
}

/** The case's ATENCION notification, as the citizen's casilla lists it. */
async function respuestaEnCasilla(t: T, numero: string): Promise<ItemCasilla> {
  const list = (await (await t.context.ciudadano.get('/api/v1/casilla?limite=100')).json()) as PaginaCasilla;
  const found = list.notificaciones.filter((n) => n.expediente === numero && n.categoria === 'ATENCION');
  if (found.length !== 1) throw new Error(`${numero}: ${found.length} respuestas`);
  return found[0];
}

async function html(c: Client, path: string) {
  const res = await c.get(path, { accept: 'text/html' });
  return unescapeHtml(await res.text());
}

const pasoAtender = (exp: Json) => (exp.seguimiento as { accion: string; notificacion: { id: number; tipo: string; numero: string } | null }[]).find((p) => p.accion === 'ATENDER');

test('the rules: a type of the catalogue, up to 80 printable characters; the type is not written twice', (t) => {
  const pdf = [{ mime: 'application/pdf' }];
  const catalogo = new Set(['INFORME', 'OFICIO']);
  t.is(atenderInputRefusal({ documentos: pdf, tipoDocumento: 'INFORME', numeroDocumento: 'N.º 045-2026-OAJ' }, catalogo), null);
  t.is(atenderInputRefusal({ documentos: pdf, tipoDocumento: null, numeroDocumento: null }, catalogo), null);
  t.like(atenderInputRefusal({ documentos: pdf, tipoDocumento: 'CARTA' }, catalogo), { field: 'tipoDocumentoRespuesta' });
  // Without a catalogue to read (the workflow's validator) the type is the API's to check.
  t.is(atenderInputRefusal({ documentos: pdf, tipoDocumento: 'CARTA' }), null);
  t.is(atenderInputRefusal({ documentos: pdf, numeroDocumento: 'Ñ'.repeat(80) }), null);
  t.like(atenderInputRefusal({ documentos: pdf, numeroDocumento: 'Ñ'.repeat(81) }), { field: 'numeroDocumentoRespuesta' });
  for (const bad of ['045\n2026', '045\t2026', '045\u200b2026', '045\u00002026']) t.like(atenderInputRefusal({ documentos: pdf, numeroDocumento: bad }), { field: 'numeroDocumentoRespuesta' }, JSON.stringify(bad));
  // The response PDF is still checked first.
  t.like(atenderInputRefusal({ documentos: [], tipoDocumento: 'CARTA' }, catalogo), { field: 'respuesta' });

  t.is(numeroSinTipo('Informe', 'Informe N.º 045-2026-OAJ'), 'N.º 045-2026-OAJ');
  t.is(numeroSinTipo('Informe', '  INFORME   N.º 045-2026-OAJ '), 'N.º 045-2026-OAJ');
  t.is(numeroSinTipo('Resolución', 'resolucion directoral 12-2026'), 'directoral 12-2026');
  t.is(numeroSinTipo('Informe', 'N.º 045-2026-OAJ'), 'N.º 045-2026-OAJ');
  t.is(numeroSinTipo('Informe', 'Informe'), 'Informe');
  t.is(numeroSinTipo('Informe', 'Informes 3'), 'Informes 3');
});

test('atender with its type and number: the casilla, the constancia, the mail, the case view and the seguimiento print it; the history replays', async (t) => {
  const { stack, ciudadano, unidad } = t.context;
  const numero = await enOficina(t);
  const done = await atender(t, numero, { tipoDocumentoRespuesta: 'INFORME', numeroDocumentoRespuesta: 'Informe N.º 045-2026-OAJ' });
  t.deepEqual(done, { status: 200, body: { numero, estado: 'ATENDIDO' } });
  const rotulo = 'Informe N.º 045-2026-OAJ';

  // The casilla: the list and the notification (API and pages) name it as the office wrote it, once.
  const n = await respuestaEnCasilla(t, numero);
  t.like(n, { tipo: 'Informe', numero: 'N.º 045-2026-OAJ' });
  const opened = (await (await ciudadano.get(`/api/v1/casilla/${n.id}`)).json()) as NotificacionAbierta;
  t.like(opened, { tipo: 'Informe', numero: 'N.º 045-2026-OAJ' });
  const lista = await html(ciudadano, '/casilla?bandeja=leidos');
  const fila = lista.slice(lista.indexOf(`/casilla/${n.id}"`) - 600, lista.indexOf(`/casilla/${n.id}"`) + 600);
  t.regex(fila, /<td data-label="Tipo de documento">Informe<\/td>/);
  t.regex(fila, /<td data-label="Número" class="num">N\.º 045-2026-OAJ<\/td>/);
  const detalle = await html(ciudadano, `/casilla/${n.id}`);
  t.true(detalle.includes(`<p class="muted sobre-titulo">${rotulo}</p>`));
  t.true(detalle.includes('<dt>Tipo de documento</dt><dd>Informe</dd>'));
  t.true(detalle.includes('<dt>Número</dt><dd>N.º 045-2026-OAJ</dd>'));

  // The constancia (read by pdftotext), its verification and the alert mail.
  const constancia = await ciudadano.get(n.constanciaUrl);
  t.is(constancia.status, 200);
  const text = pdfText(Buffer.from(await constancia.arrayBuffer()));
  t.true(text.includes(`Documento ${rotulo}`), text);
  t.false(text.includes('Informe Informe'));
  t.false(text.includes('Documento de respuesta'));
  const v = await (await fetch(`${stack.base}/api/v1/verificacion/${n.codigoVerificacion}`)).json();
  t.is(v.notificacion.documento, rotulo);
  const alert = await stack.mail.waitFor((m) => m.subject.startsWith(`Se atendió su solicitud — expediente ${numero}`));
  t.true(alert.text.includes(`Documento: ${rotulo}`), alert.text);

  // The case view, for the citizen and for the office: the notification and the ATENDER step.
  for (const c of [ciudadano, unidad]) {
    const exp = (await c.json('GET', `/api/v1/expedientes/${numero}`)).body;
    t.like(exp.notificaciones.find((x: { id: number }) => x.id === n.id), { tipo: 'Informe', numero: 'N.º 045-2026-OAJ' });
    t.deepEqual(pasoAtender(exp)?.notificacion, { id: n.id, tipo: 'Informe', numero: 'N.º 045-2026-OAJ' });
    const page = await html(c, `/expedientes/${numero}`);
    const seguimiento = page.slice(page.indexOf('id="seg-titulo"'));
    t.true(seguimiento.includes(`Documento de respuesta: <strong>${rotulo}</strong>`));
    t.true(page.includes(`<td data-label="Documento">${rotulo}</td>`));
  }

  // A history produced by this code (the 'respuesta-numerada' patch) replays.
  const handle = stack.client.workflow.getHandle(workflowIdFor(numero));
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  await t.notThrowsAsync(Worker.runReplayHistory(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath }, await handle.fetchHistory(), handle.workflowId));
});

test('without them the response is «Documento de respuesta» numbered by the system, as before; a type alone keeps the system\'s number', async (t) => {
  const { stack, ciudadano } = t.context;
  const sinNada = await enOficina(t);
  t.is((await atender(t, sinNada, {})).status, 200);
  const a = await respuestaEnCasilla(t, sinNada);
  t.is(a.tipo, 'Documento de respuesta');
  t.regex(a.numero, SYSTEM_NUMBER);
  t.is(a.numero.slice(0, 5), String(a.id).padStart(5, '0'));
  const exp = (await ciudadano.json('GET', `/api/v1/expedientes/${sinNada}`)).body;
  t.deepEqual(pasoAtender(exp)?.notificacion, { id: a.id, tipo: 'Documento de respuesta', numero: a.numero });

  const vacios = await enOficina(t);
  t.is((await atender(t, vacios, { tipoDocumentoRespuesta: '', numeroDocumentoRespuesta: '   ' })).status, 200);
  t.like(await respuestaEnCasilla(t, vacios), { tipo: 'Documento de respuesta' });

  const soloTipo = await enOficina(t);
  t.is((await atender(t, soloTipo, { tipoDocumentoRespuesta: 'OFICIO' })).status, 200);
  const b = await respuestaEnCasilla(t, soloTipo);
  t.is(b.tipo, 'Oficio');
  t.regex(b.numero, SYSTEM_NUMBER);

  // A type the admin added to the catalogue, with a number written without the type in front.
  await stack.db('tipos_documento').insert({ codigo: 'RESOLUCION', nombre: 'Resolución' });
  const conResolucion = await enOficina(t);
  t.is((await atender(t, conResolucion, { tipoDocumentoRespuesta: 'RESOLUCION', numeroDocumentoRespuesta: 'Directoral N.º 012-2026-OAJ' })).status, 200);
  t.like(await respuestaEnCasilla(t, conResolucion), { tipo: 'Resolución', numero: 'Directoral N.º 012-2026-OAJ' });
});

test('a type outside the catalogue or a bad number: 400 in Spanish naming the field, and nothing recorded', async (t) => {
  const { stack } = t.context;
  const numero = await enOficina(t);
  await stack.db('tipos_documento').insert({ codigo: 'RETIRADO', nombre: 'Tipo retirado', activo: false }).onConflict('codigo').ignore();
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ tipoDocumentoRespuesta: 'NO-EXISTE' }, 'tipoDocumentoRespuesta', /^El tipo del documento de respuesta no existe en el catálogo/],
    [{ tipoDocumentoRespuesta: 'RETIRADO' }, 'tipoDocumentoRespuesta', /^El tipo del documento de respuesta no existe en el catálogo/],
    [{ tipoDocumentoRespuesta: 'INFORME', numeroDocumentoRespuesta: 'N'.repeat(81) }, 'numeroDocumentoRespuesta', /no puede tener más de 80 caracteres/],
    [{ numeroDocumentoRespuesta: 'N.º 045\n2026' }, 'numeroDocumentoRespuesta', /solo admite caracteres imprimibles/],
    [{ numeroDocumentoRespuesta: 'N.º 045\u0007' }, 'numeroDocumentoRespuesta', /solo admite caracteres imprimibles/],
  ];
  for (const [fields, campo, message] of cases) {
    const r = await atender(t, numero, fields);
    t.is(r.status, 400, JSON.stringify(fields));
    t.is(r.body.error.campo, campo);
    t.regex(r.body.error.message, message);
  }
  const exp = await stack.db('expedientes').where({ numero }).first('id', 'estado');
  t.is(exp.estado, 'DERIVADO');
  t.is((await stack.db('documentos').where({ expediente_id: exp.id, rol: 'RESPUESTA' })).length, 0);
  t.is((await stack.db('notificaciones').where({ expediente_id: exp.id })).length, 0);

  // Eighty characters is the limit, not past it.
  const ochenta = `N.º ${'1'.repeat(76)}`;
  t.is([...ochenta].length, 80);
  t.is((await atender(t, numero, { tipoDocumentoRespuesta: 'INFORME', numeroDocumentoRespuesta: ochenta })).status, 200);
  t.like(await respuestaEnCasilla(t, numero), { tipo: 'Informe', numero: ochenta });
});

test('in a browser: the atender form asks for the response\'s type and number, and the case shows them', async (t) => {
  const { stack, ciudadano } = t.context;
  const numero = await enOficina(t);
  const dir = await mkdtemp(join(tmpdir(), 'mpv-respuesta-'));
  const respuestaPath = join(dir, 'oficio.pdf');
  await writeFile(respuestaPath, await makePdf(1, 'Oficio de respuesta'));
  const { browser, errors, session } = await openBrowser(stack.base);
  const text = (p: Page) => p.$eval('main', (e) => e.textContent ?? '');
  try {
    const unidad = await session('unidad@demo.gob.pe', `/expedientes/${numero}`);
    await unidad.click('#accion-atender summary');
    // Both fields are labelled and optional; the type offers the catalogue's, the number takes 80 characters.
    t.is(await unidad.$eval('label[for="f-atender-tipoDocumentoRespuesta"]', (e) => e.textContent?.trim()), 'Tipo de documento de respuesta (opcional)');
    t.is(await unidad.$eval('label[for="f-atender-numeroDocumentoRespuesta"]', (e) => e.textContent?.trim()), 'Número del documento de respuesta (opcional)');
    const opciones = await unidad.$$eval('#f-atender-tipoDocumentoRespuesta option', (os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent]));
    t.deepEqual(opciones[0], ['', 'Documento de respuesta']);
    t.true(opciones.some(([v, n]) => v === 'OFICIO' && n === 'Oficio'));
    t.is(await unidad.$eval('#f-atender-numeroDocumentoRespuesta', (e) => (e as HTMLInputElement).maxLength), 80);

    await unidad.type('#f-atender-comentario', 'Se remite el oficio de respuesta.');
    await unidad.select('#f-atender-tipoDocumentoRespuesta', 'OFICIO');
    await unidad.type('#f-atender-numeroDocumentoRespuesta', 'N.º 118-2026-OAJ');
    const input = await unidad.$('#f-atender-respuesta');
    await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(respuestaPath);
    await Promise.all([unidad.waitForNavigation(), unidad.click('#accion-atender button[type="submit"]')]);
    t.is(new URL(unidad.url()).search, '?ok=atender');
    t.regex(await text(unidad), /Documento de respuesta: Oficio N\.º 118-2026-OAJ/);
    t.like(await respuestaEnCasilla(t, numero), { tipo: 'Oficio', numero: 'N.º 118-2026-OAJ' });
    t.true((await html(ciudadano, `/expedientes/${numero}`)).includes('Documento de respuesta: <strong>Oficio N.º 118-2026-OAJ</strong>'));
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a bad number sent straight to Temporal is refused by the workflow\'s validator with the same words, and not recorded', async (t) => {
  const { stack } = t.context;
  const numero = await enOficina(t);
  const handle = stack.client.workflow.getHandle(workflowIdFor(numero));
  const err = await t.throwsAsync(
    handle.executeUpdate(atenderUpdate, {
      args: [{ actor: { usuario: 'unidad@demo.gob.pe', rol: 'unidad', unidad: 'OAJ' }, comentario: 'Sin pasar por la API', documentos: [{ mime: 'application/pdf', rol: 'RESPUESTA', nombre: 'r.pdf', sha256: 'x'.repeat(64), bytes: 1, paginas: 1, subidoPor: null, subidoEn: new Date().toISOString() }], numeroDocumento: 'N'.repeat(81) }],
    }),
    { instanceOf: WorkflowUpdateFailedError },
  );
  const cause = err?.cause as ApplicationFailure;
  t.true(cause instanceof ApplicationFailure);
  t.is(cause.type, REFUSED);
  t.is(cause.message, 'El número del documento de respuesta no puede tener más de 80 caracteres.');
  t.deepEqual(cause.details, [{ campo: 'numeroDocumentoRespuesta' }]);
  t.like(await handle.query(estadoQuery), { estado: 'DERIVADO' });
});

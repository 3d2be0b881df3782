// The acuse de lectura cannot be bypassed (issue 14, part 3): whichever route the addressee opens
// a notified document by (the link on the case page, the API's /documentos/{id}, the casilla page,
// the casilla API), the acuse is recorded first, once, with the instant the casilla shows; a second
// opening changes nothing; staff opening the same document record nothing; the constancia (proof
// of the deposit, mailed with the alert) and the filer's own documents are not the notification.
import { createHash } from 'node:crypto';
import { sharedStack, type Shared } from './helpers/shared';
import { actionMultipart, fileMultipart, makePdf, type Client } from './helpers/http';
import { unescapeHtml } from './helpers/html';
import { uid } from './helpers/stack';
import { formatInstant } from '../domain/calendar';
import { fechaHora } from '../domain/formats';
import type { NotificacionAbierta, PaginaCasilla } from '../services/casilla/casilla';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' });
type Ctx = Shared<'ciudadano' | 'mesa' | 'unidad' | 'supervisor'>;
type T = { context: Ctx };

const sha256 = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');

async function file(t: T, asunto: string) {
  const r = await fileMultipart(t.context.stack.base, t.context.ciudadano, { asunto });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

async function act(c: Client, numero: string, accion: string, body: Record<string, string> = {}) {
  const r = await c.post(`/api/v1/expedientes/${numero}/${accion}`, body);
  if (r.status !== 200) throw new Error(`${accion} ${numero}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** A case answered by OAJ: its ATENCION notification and the response document it carries. */
async function atendido(t: T) {
  const { stack, mesa, unidad } = t.context;
  const numero = await file(t, `Acuse ${uid()} solicitud de copia`);
  await act(mesa, numero, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
  await act(unidad, numero, 'recibir');
  const respuesta = await makePdf(1, 'Respuesta de la oficina');
  const nombre = `respuesta-${uid()}.pdf`;
  const r = await actionMultipart(stack.base, unidad, numero, 'atender', { comentario: 'Se adjunta la respuesta' }, [{ field: 'respuesta', name: nombre, data: respuesta }]);
  if (r.status !== 200) throw new Error(`atender: ${r.status} ${JSON.stringify(r.body)}`);
  const exp = await stack.db('expedientes').where({ numero }).first('id');
  const n = await stack.db('notificaciones').where({ expediente_id: exp.id, tipo: 'ATENCION' }).first('id');
  const doc = await stack.db('documentos').where({ expediente_id: exp.id, rol: 'RESPUESTA' }).first('id');
  return { numero, expedienteId: exp.id as number, notificacion: Number(n.id), documento: Number(doc.id), nombre, respuesta };
}

/** The acuse as stored (null: unread). */
async function leidaEn(t: T, id: number): Promise<Date | null> {
  return (await t.context.stack.db('notificaciones').where({ id }).first('leida_en')).leida_en;
}

async function html(c: Client, path: string) {
  const res = await c.get(path, { accept: 'text/html' });
  return { status: res.status, html: unescapeHtml(await res.text()) };
}

/** The row of the case page's notifications table for one notification. */
function notificationRow(page: string, id: number) {
  const start = page.indexOf(`<tr data-notificacion="${id}">`);
  return start < 0 ? '' : page.slice(start, page.indexOf('</tr>', start));
}

async function download(c: Client, url: string) {
  const res = await c.get(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/**
 * What the casilla shows of the notification, through the API list (the «Leídos» tab) and its page,
 * equals the stored instant.
 */
async function casillaShows(t: T, id: number, leida: Date) {
  const { ciudadano } = t.context;
  const list = (await (await ciudadano.get('/api/v1/casilla?leida=true&limite=100')).json()) as PaginaCasilla;
  const item = list.notificaciones.find((x) => x.id === id);
  const page = await html(ciudadano, '/casilla?bandeja=leidos');
  const detail = await html(ciudadano, `/casilla/${id}`);
  return item?.leidoEn === formatInstant(leida) && page.html.includes(`/casilla/${id}"`) && detail.html.includes(`<dd id="leida">${fechaHora(leida)}</dd>`);
}

/** Every route staff could open the notified documents by: none of them is the addressee's acuse. */
async function staffOpenEverything(t: T, c: Client, a: { notificacion: number; documento: number; numero: string }) {
  const urls = [`/api/v1/documentos/${a.documento}`, `/api/v1/documentos/${a.documento}?descargar=1`, `/api/v1/casilla/${a.notificacion}/documentos/${a.documento}`, `/api/v1/casilla/${a.notificacion}`];
  const statuses = [];
  for (const u of urls) statuses.push((await c.get(u)).status);
  statuses.push((await html(c, `/casilla/${a.notificacion}`)).status);
  statuses.push((await html(c, `/expedientes/${a.numero}`)).status);
  return statuses;
}

test('the response opened from the case page records the acuse first, once, with the instant the casilla shows; staff record nothing', async (t) => {
  const { ciudadano, unidad, supervisor } = t.context;
  const a = await atendido(t);

  // Staff open the response by every route: still unread.
  t.deepEqual(await staffOpenEverything(t, unidad, a), [200, 200, 200, 200, 200, 200]);
  t.deepEqual(await staffOpenEverything(t, supervisor, a), [200, 200, 200, 200, 200, 200]);
  t.is(await leidaEn(t, a.notificacion), null);

  // The citizen's case page: the notification is unread, the response is linked among the documents.
  const before = await html(ciudadano, `/expedientes/${a.numero}`);
  t.is(before.status, 200);
  t.regex(notificationRow(before.html, a.notificacion), /sin leer/);
  const row = before.html.split('<tr>').find((r) => r.includes(a.nombre) && r.includes('/api/v1/documentos/'));
  const link = row?.match(/href="(\/api\/v1\/documentos\/\d+)"/)?.[1];
  t.is(link, `/api/v1/documentos/${a.documento}`);
  t.is(await leidaEn(t, a.notificacion), null, 'showing the case page is not opening the document');

  // Following the link opens the response, and that is the acuse de lectura.
  const opened = await download(ciudadano, link!);
  t.is(opened.status, 200);
  t.is(sha256(opened.body), sha256(a.respuesta));
  const leida = await leidaEn(t, a.notificacion);
  t.truthy(leida, 'the acuse is recorded by the time the file arrives');
  t.true(await casillaShows(t, a.notificacion, leida!));

  // A second opening (and a download) leaves the first instant.
  t.is((await download(ciudadano, `${link}?descargar=1`)).status, 200);
  t.is((await download(ciudadano, link!)).status, 200);
  t.deepEqual(await leidaEn(t, a.notificacion), leida);
  const after = await html(ciudadano, `/expedientes/${a.numero}`);
  const read = notificationRow(after.html, a.notificacion);
  t.true(read.includes(fechaHora(leida)), read);
  t.false(read.includes('sin leer'));
  const view = await ciudadano.json('GET', `/api/v1/expedientes/${a.numero}`);
  t.is(view.body.notificaciones.find((x: { id: number }) => x.id === a.notificacion).leidoEn, formatInstant(leida!));
});

test('the API /documentos/{id}: any notified file (an anexo too) is the acuse, once even when opened at the same time; the constancia and own files are not', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const numero = await file(t, `Acuse ${uid()} notificación con anexo`);
  const carta = await makePdf(1, 'Carta');
  const anexo = await makePdf(1, 'Anexo');
  const r = await actionMultipart(stack.base, mesa, numero, 'notificar', { tipoDocumento: 'CARTA', asunto: 'Requerimiento' }, [
    { field: 'documentos', name: 'carta.pdf', data: carta },
    { field: 'documentos', name: 'anexo.pdf', data: anexo },
  ]);
  t.is(r.status, 200);
  const exp = await stack.db('expedientes').where({ numero }).first('id');
  const n = Number((await stack.db('notificaciones').where({ expediente_id: exp.id, tipo: 'NOTIFICACION' }).first('id')).id);
  const docs = await stack.db('documentos').where({ expediente_id: exp.id }).orderBy('id').select('id', 'rol', 'nombre');
  const own = docs.find((d) => d.rol === 'PRINCIPAL')!;
  const notifiedAnexo = docs.find((d) => d.nombre === 'anexo.pdf')!;

  // The filer's own filing and the constancia of the deposit are not the notified documents.
  t.is((await ciudadano.get(`/api/v1/documentos/${own.id}`)).status, 200);
  const constancia = await ciudadano.get(`/api/v1/casilla/${n}/constancia.pdf`);
  t.is(constancia.status, 200);
  await constancia.arrayBuffer();
  t.is(await leidaEn(t, n), null);

  // Several openings of the anexo at once: one acuse, which every later look agrees on.
  const answers = await Promise.all([1, 2, 3, 4].map(() => download(ciudadano, `/api/v1/documentos/${notifiedAnexo.id}?descargar=1`)));
  t.deepEqual(answers.map((x) => x.status), [200, 200, 200, 200]);
  for (const x of answers) t.is(sha256(x.body), sha256(anexo));
  const leida = await leidaEn(t, n);
  t.truthy(leida);
  t.true(await casillaShows(t, n, leida!));
  const opened = (await (await ciudadano.get(`/api/v1/casilla/${n}`)).json()) as NotificacionAbierta;
  t.is(opened.leidoEn, formatInstant(leida!));
  t.deepEqual(await leidaEn(t, n), leida);
});

test('the casilla page and the casilla API: opening the notification or one of its files is the acuse; the document route then changes nothing', async (t) => {
  const { ciudadano, unidad } = t.context;

  // The casilla page first.
  const a = await atendido(t);
  const page = await html(ciudadano, `/casilla/${a.notificacion}`);
  t.is(page.status, 200);
  const leida = await leidaEn(t, a.notificacion);
  t.truthy(leida);
  t.true(page.html.includes(`<dd id="leida">${fechaHora(leida)}</dd>`), 'the page that recorded it shows it');
  t.true(await casillaShows(t, a.notificacion, leida!));
  t.is((await download(ciudadano, `/api/v1/documentos/${a.documento}`)).status, 200);
  t.is((await download(ciudadano, `/api/v1/casilla/${a.notificacion}/documentos/${a.documento}`)).status, 200);
  t.deepEqual(await leidaEn(t, a.notificacion), leida);

  // The casilla API's file route, without opening the notification first.
  const b = await atendido(t);
  t.deepEqual(await staffOpenEverything(t, unidad, b), [200, 200, 200, 200, 200, 200]);
  t.is(await leidaEn(t, b.notificacion), null);
  const file = await download(ciudadano, `/api/v1/casilla/${b.notificacion}/documentos/${b.documento}`);
  t.is(file.status, 200);
  t.is(sha256(file.body), sha256(b.respuesta));
  const leidaB = await leidaEn(t, b.notificacion);
  t.truthy(leidaB);
  t.true(await casillaShows(t, b.notificacion, leidaB!));
  t.is((await download(ciudadano, `/api/v1/documentos/${b.documento}`)).status, 200);
  t.deepEqual(await leidaEn(t, b.notificacion), leidaB);

  // The casilla API's notification route.
  const c = await atendido(t);
  const opened = (await (await ciudadano.get(`/api/v1/casilla/${c.notificacion}`)).json()) as NotificacionAbierta;
  const leidaC = await leidaEn(t, c.notificacion);
  t.is(opened.leidoEn, formatInstant(leidaC!));
  t.true(await casillaShows(t, c.notificacion, leidaC!));
  t.is((await download(ciudadano, `/api/v1/documentos/${c.documento}`)).status, 200);
  t.deepEqual(await leidaEn(t, c.notificacion), leidaC);
});

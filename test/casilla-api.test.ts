// The casilla electrónica over HTTP on the real workflow: observar, atender, notificar and the
// archival deposit a notification with its constancia (PDF, verification code, SHA-256 of the
// files) and mail an alert; the subsanación plazo runs from the business day after the deposit;
// the first opening by the addressee is the acuse de lectura; only the addressee and staff see a
// notification; the list filters, pages and exports (Excel, PDF) hold what the API shows.
import anyTest, { type TestFn } from 'ava';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import ExcelJS from 'exceljs';
import { Worker } from '@temporalio/worker';
import { startStack } from './helpers/stack';
import { actionMultipart, fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { until } from './helpers/wait';
import { fastCalendar } from '../lib/business-calendar';
import { workflowsPath } from '../lib/worker';
import { workflowIdFor } from '../workflows/definitions';
import type { NotificacionAbierta, PaginaCasilla } from '../services/casilla/casilla';

/** What these tests read of the JSON answers they check. */
type CasillaBody = PaginaCasilla & { error: { code: string; message: string } };
interface Plazo {
  inicio: string;
  vence: string;
}
interface Verificacion {
  tipo: string;
  documento: string;
  expediente: string;
  sha256: string;
  notificacion: { documento: string; depositadaEn: string; venceEn: string | null; archivos: { nombre: string; sha256: string }[] };
}
interface ExpedienteDetalle {
  seguimiento: { accion: string; estadoNuevo: string; nota: string | null }[];
  documentos: { rol: string }[];
  notificaciones: { id: number; depositadoEn: string; leidoEn: string | null }[];
}

interface Ctx extends Awaited<ReturnType<typeof startStack>> {
  ciudadano: Client;
  otra: Client;
  mesa: Client;
  unidad: Client;
  supervisor: Client;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const stack = await startStack();
  const hash = (await stack.db('cuentas').where({ email: 'ciudadano@demo.pe' }).first()).password_hash;
  await stack.db('cuentas').insert({
    rol: 'ciudadano', tipo_persona: 'NATURAL', tipo_documento: 'DNI', numero_documento: '40000009', email: 'otra@demo.pe',
    password_hash: hash, email_verificado_en: new Date(), nombres: 'Otra', apellido_paterno: 'Persona',
  });
  const [ciudadano, otra, mesa, unidad, supervisor] = await Promise.all(
    ['ciudadano@demo.pe', 'otra@demo.pe', 'mesa@demo.gob.pe', 'unidad@demo.gob.pe', 'supervisor@demo.gob.pe'].map((u) => loginAs(stack.base, u)),
  );
  t.context = { ...stack, ciudadano, otra, mesa, unidad, supervisor };
});
test.after.always((t) => t.context.close());

const sha256 = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString().replace(/[ \t]+/g, ' ');

async function file(t: { context: Ctx }, asunto: string) {
  const r = await fileMultipart(t.context.base, t.context.ciudadano, { asunto });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

async function casilla(c: Client, query: Record<string, string> = {}) {
  const res = await c.get(`/api/v1/casilla?${new URLSearchParams(query)}`);
  return { status: res.status, body: (await res.json()) as CasillaBody };
}

/** The one notification of a case in the citizen's casilla, of a kind. */
async function notificationOf(t: { context: Ctx }, numero: string, categoria: string) {
  const { body } = await casilla(t.context.ciudadano, { limite: '100' });
  const found = body.notificaciones.filter((n) => n.expediente === numero && n.categoria === categoria);
  if (found.length !== 1) throw new Error(`${numero}: ${found.length} notificaciones ${categoria}`);
  return found[0];
}

async function download(c: Client, url: string) {
  const res = await c.get(url);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

test('observar deposits the observation with its constancia; the plazo runs from the business day after the deposit; subsanar in time', async (t) => {
  const { base, ciudadano, mesa, mail, db } = t.context;
  const numero = await file(t, 'Solicito licencia de funcionamiento');
  const o = await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Falta adjuntar el croquis de ubicación' });
  t.is(o.status, 200);

  // Deposited by the time the action answers.
  const n = await notificationOf(t, numero, 'OBSERVACION');
  t.like(n, { tipo: 'Notificación de observaciones', dependencia: 'Mesa de Partes', unidad: 'MP', emisor: 'Marta Salazar Ríos', leidoEn: null, asunto: `Observaciones a su expediente ${numero}` });
  t.regex(n.numero, /^\d{5}-\d{4}-MP\/EDEP$/);
  t.true((await casilla(ciudadano, { leida: 'false', limite: '100' })).body.notificaciones.some((x) => x.id === n.id));

  // Ley 31736: day 1 is the business day after the deposit; the deadline is the calendar's.
  const p = (await (await fetch(`${base}/api/v1/calendario/plazo?desde=${encodeURIComponent(n.depositadoEn)}&dias=2`)).json()) as Plazo;
  t.is(n.venceEn, p.vence);
  t.true(p.inicio > n.depositadoEn.slice(0, 10), `${p.inicio} after ${n.depositadoEn}`);
  await until(async () => (await db('expedientes').where({ numero }).first()).vence_en?.toISOString() === new Date(p.vence).toISOString());
  const detail = await (await ciudadano.get(`/api/v1/casilla/${n.id}`)).json() as NotificacionAbierta;
  t.is(detail.detalle, 'Falta adjuntar el croquis de ubicación');
  t.deepEqual(detail.plazo, { descripcion: 'Subsanación de observaciones', inicio: p.inicio, vence: p.vence });
  t.deepEqual(detail.documentos, []);

  // The constancia: what was notified, to whom, when, the rule, the plazo, the code.
  const constancia = await download(ciudadano, n.constanciaUrl);
  t.is(constancia.status, 200);
  t.is(constancia.type, 'application/pdf');
  const text = pdfText(constancia.body);
  for (const s of ['CONSTANCIA DE NOTIFICACIÓN ELECTRÓNICA', numero, 'Rosa Quispe Mamani', 'DNI 40000001', `Notificación de observaciones ${n.numero}`, 'Falta adjuntar el croquis de ubicación', 'Ley N.° 31736', 'Subsanación de observaciones', n.codigoVerificacion]) {
    t.true(text.includes(s), s);
  }
  t.regex(text, /los plazos se computan a partir del día hábil\s+siguiente al depósito/);

  // Its code tells what it certifies.
  const v = (await (await fetch(`${base}/api/v1/verificacion/${n.codigoVerificacion}`)).json()) as Verificacion;
  t.like(v, { tipo: 'CONSTANCIA', documento: 'Constancia de notificación electrónica', expediente: numero, sha256: sha256(constancia.body) });
  t.like(v.notificacion, { documento: `Notificación de observaciones ${n.numero}`, depositadaEn: n.depositadoEn, venceEn: n.venceEn, archivos: [] });

  // The alert (not the notification) carries the link and the constancia.
  const alert = await mail.waitFor((m) => m.subject.includes(`expediente ${numero}`) && m.subject.includes('observaciones'));
  t.true(alert.text.includes(`/casilla/${n.id}`));
  t.true(alert.text.includes('solo un aviso'));
  t.is(alert.attachments.length, 1);
  t.is(sha256(alert.attachments[0].content), sha256(constancia.body));

  const sub = await actionMultipart(base, ciudadano, numero, 'subsanar', { nota: 'Adjunto el croquis' }, [{ field: 'documentos', name: 'croquis.pdf', data: await makePdf(1, 'Croquis') }]);
  t.like(sub, { status: 200, body: { numero, estado: 'PENDIENTE_VALIDACION' } });
});

test('atender deposits the response with its SHA-256; the first opening by the citizen is the acuse de lectura, once', async (t) => {
  const { base, ciudadano, mesa, unidad, supervisor, client } = t.context;
  const numero = await file(t, 'Solicito copia certificada');
  const path = `/api/v1/expedientes/${numero}`;
  t.is((await mesa.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' })).status, 200);
  const rec = await unidad.post(`${path}/recibir`);
  t.is(rec.status, 200, JSON.stringify(rec.body));
  // The office notifies before answering: the replayed history below carries both updates.
  const aviso = await actionMultipart(base, unidad, numero, 'notificar', { tipoDocumento: 'OFICIO', asunto: 'Aviso de atención próxima' }, [{ field: 'documentos', name: 'aviso.pdf', data: await makePdf(1, 'Aviso') }]);
  t.is(aviso.status, 200);
  const respuesta = await makePdf(1, 'Resolución de respuesta');
  const done = await actionMultipart(base, unidad, numero, 'atender', { comentario: 'Se entrega la copia solicitada' }, [{ field: 'respuesta', name: 'resolucion.pdf', data: respuesta }]);
  t.deepEqual(done, { status: 200, body: { numero, estado: 'ATENDIDO' } });
  const n = await notificationOf(t, numero, 'ATENCION');
  t.like(n, { tipo: 'Documento de respuesta', dependencia: 'Oficina de Asesoría Jurídica', emisor: 'Jorge Vílchez Paredes', venceEn: null, leidoEn: null });

  // Staff of the case see it without reading it for the citizen.
  const staffView = (await (await supervisor.get(`/api/v1/casilla/${n.id}`)).json()) as NotificacionAbierta;
  t.is(staffView.leidoEn, null);
  t.is((await casilla(ciudadano, { leida: 'false' })).body.notificaciones.filter((x) => x.id === n.id).length, 1);

  const opened = (await (await ciudadano.get(`/api/v1/casilla/${n.id}`)).json()) as NotificacionAbierta;
  t.regex(opened.leidoEn!, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00$/);
  t.is(opened.documentos.length, 1);
  t.like(opened.documentos[0], { rol: 'PRINCIPAL', nombre: 'resolucion.pdf', sha256: sha256(respuesta) });
  const original = await download(ciudadano, opened.documentos[0].url);
  t.is(sha256(original.body), sha256(respuesta));
  const again = (await (await ciudadano.get(`/api/v1/casilla/${n.id}`)).json()) as NotificacionAbierta;
  t.is(again.leidoEn, opened.leidoEn, 'read once: the first opening stands');
  t.is((await casilla(ciudadano, { leida: 'false' })).body.notificaciones.filter((x) => x.id === n.id).length, 0);
  t.is((await casilla(ciudadano, { leida: 'true' })).body.notificaciones.filter((x) => x.id === n.id).length, 1);

  // The constancia prints the response's SHA-256; staff see deposited at / read at on the case.
  const text = pdfText((await download(ciudadano, n.constanciaUrl)).body);
  t.true(text.replace(/\s+/g, '').includes(sha256(respuesta)));
  const detail = (await (await unidad.get(path)).json()) as ExpedienteDetalle;
  t.like(detail.notificaciones.find((x) => x.id === n.id), { depositadoEn: n.depositadoEn, leidoEn: opened.leidoEn });

  // A history produced by this code (the casilla patch) replays.
  const handle = client.workflow.getHandle(workflowIdFor(numero));
  await handle.result();
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  await t.notThrowsAsync(Worker.runReplayHistory(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath }, await handle.fetchHistory(), handle.workflowId));
});

test('notificar: staff deposit documents with asunto, type and number; the state does not change; refusals say why', async (t) => {
  const { base, ciudadano, mesa, unidad, supervisor } = t.context;
  const numero = await file(t, 'Solicito información pública');
  const carta = await makePdf(2, 'Carta de requerimiento');
  const anexo = await makePdf(1, 'Anexo de la carta');
  const r = await actionMultipart(base, mesa, numero, 'notificar', { tipoDocumento: 'CARTA', numeroDocumento: '045-2026-MP', asunto: 'Requerimiento de información adicional', detalle: 'Sírvase precisar el periodo.' }, [
    { field: 'documentos', name: 'carta-045.pdf', data: carta },
    { field: 'documentos', name: 'anexo.pdf', data: anexo },
  ]);
  t.deepEqual(r, { status: 200, body: { numero, estado: 'PENDIENTE_VALIDACION' } });
  const n = await notificationOf(t, numero, 'NOTIFICACION');
  t.like(n, { tipo: 'Carta', numero: '045-2026-MP', asunto: 'Requerimiento de información adicional', dependencia: 'Mesa de Partes' });
  const d = (await (await ciudadano.get(`/api/v1/casilla/${n.id}`)).json()) as NotificacionAbierta;
  t.deepEqual(d.documentos.map((x) => [x.rol, x.nombre, x.sha256]), [
    ['PRINCIPAL', 'carta-045.pdf', sha256(carta)],
    ['ANEXO', 'anexo.pdf', sha256(anexo)],
  ]);
  const exp = (await (await mesa.get(`/api/v1/expedientes/${numero}`)).json()) as ExpedienteDetalle;
  t.like(exp.seguimiento.at(-1), { accion: 'NOTIFICAR', estadoNuevo: 'PENDIENTE_VALIDACION', nota: 'Requerimiento de información adicional' });
  t.is((await ciudadano.get(n.constanciaUrl)).status, 200);
  const v = (await (await fetch(`${base}/api/v1/verificacion/${n.codigoVerificacion}`)).json()) as Verificacion;
  t.deepEqual(v.notificacion.archivos, [
    { nombre: 'carta-045.pdf', sha256: sha256(carta) },
    { nombre: 'anexo.pdf', sha256: sha256(anexo) },
  ]);

  const noFile = await actionMultipart(base, mesa, numero, 'notificar', { tipoDocumento: 'CARTA', asunto: 'Sin archivo' });
  t.is(noFile.status, 400);
  t.like(noFile.body.error, { message: 'Adjunte el documento a notificar.', campo: 'documentos' });
  const badType = await actionMultipart(base, mesa, numero, 'notificar', { tipoDocumento: 'NO-EXISTE', asunto: 'Tipo raro' }, [{ field: 'documentos', name: 'x.pdf', data: carta }]);
  t.like(badType.body.error, { message: 'El tipo de documento no existe.', campo: 'tipoDocumento' });
  t.is(badType.status, 400);
  t.is((await actionMultipart(base, ciudadano, numero, 'notificar', { tipoDocumento: 'CARTA', asunto: 'Yo mismo' }, [{ field: 'documentos', name: 'x.pdf', data: carta }])).status, 403);
  // A refused form leaves no document behind.
  t.is(((await (await mesa.get(`/api/v1/expedientes/${numero}`)).json()) as ExpedienteDetalle).documentos.filter((x) => x.rol === 'NOTIFICACION').length, 2);

  t.is((await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Atender' })).status, 200);
  const notOurs = await actionMultipart(base, mesa, numero, 'notificar', { tipoDocumento: 'CARTA', asunto: 'Ya no es mío' }, [{ field: 'documentos', name: 'x.pdf', data: carta }]);
  t.is(notOurs.status, 409);
  t.regex(notOurs.body.error.message, /No se puede notificar .*ya no está en mesa de partes/);
  const notReceived = await actionMultipart(base, unidad, numero, 'notificar', { tipoDocumento: 'OFICIO', asunto: 'Antes de recibir' }, [{ field: 'documentos', name: 'x.pdf', data: carta }]);
  t.is(notReceived.status, 403);
  t.regex(notReceived.body.error.message, /Primero reciba/);
  const other = await file(t, 'Trámite anulado');
  t.is((await ciudadano.post(`/api/v1/expedientes/${other}/anular`, {})).status, 200);
  const closed = await actionMultipart(base, supervisor, other, 'notificar', { tipoDocumento: 'CARTA', asunto: 'Tarde' }, [{ field: 'documentos', name: 'x.pdf', data: carta }]);
  t.is(closed.status, 409);
  t.regex(closed.body.error.message, /No se puede notificar .*anulado/);
});

test('only the addressee, and staff of the case, see a notification or its files', async (t) => {
  const { base, ciudadano, otra, mesa, unidad, supervisor } = t.context;
  const numero = await file(t, 'Trámite privado');
  const carta = await makePdf(1, 'Carta privada');
  t.is((await actionMultipart(base, mesa, numero, 'notificar', { tipoDocumento: 'CARTA', asunto: 'Notificación privada' }, [{ field: 'documentos', name: 'privada.pdf', data: carta }])).status, 200);
  const n = await notificationOf(t, numero, 'NOTIFICACION');
  const opened = (await (await ciudadano.get(`/api/v1/casilla/${n.id}`)).json()) as NotificacionAbierta;
  const doc = opened.documentos[0].url as string;

  for (const url of [`/api/v1/casilla/${n.id}`, n.constanciaUrl, doc]) {
    t.is((await otra.get(url)).status, 404, url);
    t.is((await fetch(`${base}${url}`, { headers: { accept: 'application/json' } })).status, 401, url);
    t.is((await supervisor.get(url)).status, 200, url);
    // An office the case never passed through is not staff of the case.
    t.is((await unidad.get(url)).status, 404, url);
  }
  t.false((await casilla(otra, { limite: '100' })).body.notificaciones.some((x) => x.id === n.id));
  t.is((await casilla(mesa)).status, 403);
  t.is((await mesa.get('/api/v1/casilla/no-leidas')).status, 403);
  t.is((await ciudadano.get('/api/v1/casilla/abc')).status, 404);
  t.is((await ciudadano.get(`/api/v1/casilla/${n.id}/documentos/999999`)).status, 404);
  // Another of the citizen's own notifications does not open this one's files.
  const other = await file(t, 'Otro trámite');
  await actionMultipart(base, mesa, other, 'notificar', { tipoDocumento: 'OFICIO', asunto: 'Otra notificación' }, [{ field: 'documentos', name: 'otra.pdf', data: await makePdf(1, 'Otra') }]);
  const m = await notificationOf(t, other, 'NOTIFICACION');
  t.is((await ciudadano.get(`/api/v1/casilla/${m.id}/documentos/${opened.documentos[0].id}`)).status, 404);
});

test('filters, keyset pages and the exports hold the list as shown', async (t) => {
  const { base, ciudadano, otra, mesa } = t.context;
  const numero = await file(t, 'Trámite con varias notificaciones');
  const tag = `Lote ${Date.now()}`;
  for (const [tipo, asunto] of [
    ['CARTA', `${tag} carta uno`],
    ['OFICIO', `${tag} oficio`],
    ['CARTA', `${tag} carta dos`],
    ['CARTA', `${tag} carta tres`],
  ]) {
    const r = await actionMultipart(base, mesa, numero, 'notificar', { tipoDocumento: tipo, asunto }, [{ field: 'documentos', name: 'doc.pdf', data: await makePdf(1, asunto) }]);
    t.is(r.status, 200);
  }
  const cartas = (await casilla(ciudadano, { asunto: tag, tipo: 'Carta' })).body.notificaciones.map((n) => n.asunto);
  t.deepEqual(cartas, [`${tag} carta tres`, `${tag} carta dos`, `${tag} carta uno`]);
  t.deepEqual((await casilla(ciudadano, { asunto: `${tag} oficio` })).body.notificaciones.map((n) => n.tipo), ['Oficio']);
  const year = String(new Date(Date.now() - 5 * 3600_000).getUTCFullYear());
  const today = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
  t.is((await casilla(ciudadano, { asunto: tag, anio: year, unidad: 'MP', desde: today, hasta: today })).body.notificaciones.length, 4);
  t.is((await casilla(ciudadano, { asunto: tag, anio: '2001' })).body.notificaciones.length, 0);
  t.is((await casilla(ciudadano, { asunto: tag, unidad: 'OAJ' })).body.notificaciones.length, 0);
  t.is((await casilla(ciudadano, { asunto: tag, hasta: '2020-01-01' })).body.notificaciones.length, 0);
  t.is((await casilla(otra, { asunto: tag })).body.notificaciones.length, 0);

  const p1 = (await casilla(ciudadano, { asunto: tag, limite: '3' })).body;
  t.is(p1.notificaciones.length, 3);
  const p2 = (await casilla(ciudadano, { asunto: tag, limite: '3', despues: String(p1.siguiente) })).body;
  t.deepEqual(p2.notificaciones.map((n) => n.asunto), [`${tag} carta uno`]);
  t.is(p2.siguiente, null);

  for (const [q, message] of [
    [{ desde: '2026-02-30' }, 'La fecha «desde» debe ser AAAA-MM-DD.'],
    [{ leida: 'quizas' }, '«leida» debe ser true o false.'],
    [{ anio: 'dos mil' }, 'El año debe ser un número.'],
  ] as const) {
    const bad = await casilla(ciudadano, q);
    t.is(bad.status, 400, JSON.stringify(q));
    t.is(bad.body.error.message, message);
  }

  // Excel: every row the list shows with these filters, in order, and the filters written on top.
  const filtros = new URLSearchParams({ asunto: tag, tipo: 'Carta', leida: 'false' });
  const shown = (await casilla(ciudadano, Object.fromEntries(filtros))).body.notificaciones;
  const xlsx = await download(ciudadano, `/api/v1/casilla/export.xlsx?${filtros}`);
  t.is(xlsx.status, 200);
  t.is(xlsx.type, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx.body as unknown as ArrayBuffer);
  const rows: string[][] = [];
  wb.worksheets[0].eachRow((r) => rows.push((r.values as unknown[]).slice(1).map((v) => (v instanceof Date ? v.toISOString() : String(v ?? '')))));
  const header = rows.findIndex((r) => r[0] === 'Año');
  t.deepEqual(rows[header], ['Año', 'Expediente', 'Asunto', 'Dependencia', 'Emisor', 'Tipo de documento', 'Número', 'Fecha de emisión', 'Fecha de depósito', 'Leída el']);
  const data = rows.slice(header + 1);
  t.deepEqual(data.map((r) => [r[1], r[2], r[5], r[6]]), shown.map((n) => [n.expediente, n.asunto, n.tipo, n.numero]));
  const top = rows.slice(0, header).flat().join('\n');
  t.true(top.includes('Bandeja: Pendientes por leer'));
  t.true(top.includes('Tipo de documento: Carta'));
  t.true(top.includes(`Asunto: ${tag}`));

  // PDF: the same rows, nothing else.
  const pdf = await download(ciudadano, `/api/v1/casilla/export.pdf?${filtros}`);
  t.is(pdf.status, 200);
  t.is(pdf.type, 'application/pdf');
  const text = pdfText(pdf.body).replace(/\s+/g, ' ');
  for (const n of shown) t.true(text.includes(n.asunto), n.asunto);
  t.true(text.includes(`${shown.length} filas`));
  t.false(text.includes(`${tag} oficio`));
  t.true(text.includes('Tipo de documento: Carta'));
  t.is((await download(otra, `/api/v1/casilla/export.xlsx?${filtros}`)).status, 200);
  t.is((await download(mesa, `/api/v1/casilla/export.pdf?${filtros}`)).status, 403);
});

test('an observation not subsanada in time: the archival notice is deposited too, with its constancia', async (t) => {
  const DAY_MS = 1500;
  const stack = await startStack({}, { calendar: fastCalendar(DAY_MS) });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: 'No se subsanará' });
  t.is((await mesa.post(`/api/v1/expedientes/${body.numero}/observar`, { motivo: 'Falta la firma' })).status, 200);
  t.is((await stack.client.workflow.getHandle(workflowIdFor(body.numero)).result()).estado, 'ARCHIVADO');
  const rows = await stack.db('notificaciones').orderBy('id');
  t.deepEqual(rows.map((r) => r.tipo), ['OBSERVACION', 'ARCHIVO']);
  // The plazo ran from the deposit; the archival came after it.
  t.is(new Date(rows[0].vence).getTime(), new Date(rows[0].depositada_en).getTime() + 2 * DAY_MS);
  t.true(new Date(rows[1].depositada_en) >= new Date(rows[0].vence));
  t.truthy(rows[1].constancia_sha256, 'the workflow ends only after the constancia');
  const alert = await stack.mail.waitFor((m) => m.subject.includes(`expediente ${body.numero}`) && m.subject.includes('archivó'));
  t.is(alert.attachments.length, 1);
});

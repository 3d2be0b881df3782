// Expedientes end to end over HTTP on the real stack: multipart filing starts a real workflow and
// prints a cargo; every action is a Workflow Update; refusals answer 409/403 with the reason; the
// read model shows state, documents and seguimiento; nobody sees another person's case.
import anyTest, { type TestFn } from 'ava';
import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { startStack, postJson } from './helpers/stack';
import { actionMultipart, fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { searchAttributes } from '../workflows/definitions';
import { until } from './helpers/wait';
import type { ExpedienteDetalle, ListaExpedientes } from '../services/expedientes/consultas';
import type { ConsultaPublica } from '../services/expedientes/consulta-publica';
import type { Catalogos } from '../services/expedientes/catalogos';

interface Ctx extends Awaited<ReturnType<typeof startStack>> {
  ciudadano: Client;
  mesa: Client;
  unidad: Client;
  supervisor: Client;
}
const test = anyTest as TestFn<Ctx>;
test.before(async (t) => {
  const stack = await startStack();
  t.context = {
    ...stack,
    ciudadano: await loginAs(stack.base, 'ciudadano@demo.pe'),
    mesa: await loginAs(stack.base, 'mesa@demo.gob.pe'),
    unidad: await loginAs(stack.base, 'unidad@demo.gob.pe'),
    supervisor: await loginAs(stack.base, 'supervisor@demo.gob.pe'),
  };
});
test.after.always((t) => t.context.close());

const sha256 = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');

test('filing returns the DESIGN contract, starts the workflow, prints and mails the cargo', async (t) => {
  const { base, client, ciudadano, mail } = t.context;
  const principal = await makePdf(3, 'Solicitud de copia certificada');
  const anexo = await makePdf(1, 'DNI escaneado');
  const r = await fileMultipart(base, ciudadano, { tipoDocumento: 'SOLICITUD', numeroDocumento: '001-2026', asunto: 'Solicito copia certificada', destino: 'OAJ' }, {
    principal,
    anexos: [{ name: 'dni.pdf', data: anexo, type: 'application/pdf' }],
  });
  t.is(r.status, 201, JSON.stringify(r.body));
  const b = r.body;
  t.regex(b.numero, /^\d{5}-\d{4}$/);
  t.is(b.estado, 'PENDIENTE_VALIDACION');
  t.regex(b.fechaPresentacion, /^\d{4}-\d{2}-\d{2}$/);
  t.regex(b.fechaRecepcion, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-05:00$/);
  t.regex(b.claveSeguimiento, /^[A-Z0-9]{8}$/);
  t.is(b.cargoUrl, `/api/v1/expedientes/${b.numero}/cargo.pdf`);
  t.regex(b.codigoVerificacion, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  t.is(b.folios, 4); // suggested from the PDFs' pages

  const [n, year] = b.numero.split('-');
  const desc = await client.workflow.getHandle(`expediente-${year}-${n}`).describe();
  t.is(desc.status.name, 'RUNNING');
  t.is(desc.typedSearchAttributes.get(searchAttributes.estado), 'PENDIENTE_VALIDACION');

  const cargo = await ciudadano.get(b.cargoUrl);
  t.is(cargo.status, 200);
  t.is(cargo.headers.get('content-type'), 'application/pdf');
  const pdfBytes = Buffer.from(await cargo.arrayBuffer());
  t.true((await PDFDocument.load(pdfBytes)).getPageCount() >= 1);

  const verif = (await (await fetch(`${base}/api/v1/verificacion/${b.codigoVerificacion}`)).json()) as { expediente: string; sha256: string };
  t.is(verif.expediente, b.numero);
  t.is(verif.sha256, sha256(pdfBytes));

  const m = await mail.waitFor((x) => x.subject.includes(`Cargo de recepción del expediente ${b.numero}`));
  t.true(m.text.includes(b.claveSeguimiento));
  t.is(m.attachments[0].filename, `cargo-${b.numero}.pdf`);
  t.is(sha256(m.attachments[0].content), sha256(pdfBytes));

  const detail = (await (await ciudadano.get(`/api/v1/expedientes/${b.numero}`)).json()) as ExpedienteDetalle;
  t.deepEqual(
    detail.documentos.map((d) => [d.rol, d.nombre, d.sha256]),
    [
      ['PRINCIPAL', 'solicitud.pdf', sha256(principal)],
      ['ANEXO', 'dni.pdf', sha256(anexo)],
    ],
  );
  const file = await ciudadano.get(detail.documentos[0].url);
  t.is(sha256(Buffer.from(await file.arrayBuffer())), sha256(principal));
});

test('observar → subsanar → derivar → recibir → atender, each an update; the seguimiento records them', async (t) => {
  const { base, client, ciudadano, mesa, unidad, supervisor, mail } = t.context;
  const { body } = await fileMultipart(base, ciudadano, { asunto: 'Solicito licencia de funcionamiento' });
  const numero = body.numero as string;
  const path = `/api/v1/expedientes/${numero}`;

  const early = await supervisor.post(`${path}/recibir`);
  t.is(early.status, 409);
  t.regex(early.body.error.message, /No se puede recibir .*pendiente de validación/);

  t.deepEqual(await mesa.post(`${path}/observar`, { motivo: 'Falta adjuntar el croquis de ubicación' }), { status: 200, body: { numero, estado: 'OBSERVADO' } });
  const notice = await mail.waitFor((m) => m.subject.includes(`expediente ${numero}`) && m.subject.includes('observaciones'));
  t.true(notice.text.includes('Falta adjuntar el croquis de ubicación'));
  t.regex(notice.text, /Plazo: hasta el \d{2}\/\d{2}\/\d{4} 23:59:59/);

  const sub = await actionMultipart(base, ciudadano, numero, 'subsanar', { nota: 'Adjunto el croquis' }, [{ field: 'documentos', name: 'croquis.pdf', data: await makePdf(1, 'Croquis') }]);
  t.like(sub, { status: 200, body: { numero, estado: 'PENDIENTE_VALIDACION' } });

  t.is((await mesa.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Para su opinión legal' })).status, 200);
  const mesaAgain = await mesa.post(`${path}/derivar`, { unidad: 'OA', proveido: 'Otra' });
  t.is(mesaAgain.status, 409);
  t.regex(mesaAgain.body.error.message, /ya no está en mesa de partes/);

  const tooSoon = await actionMultipart(base, unidad, numero, 'atender', { comentario: 'Respuesta' }, [{ field: 'respuesta', name: 'r.pdf', data: await makePdf(1) }]);
  t.is(tooSoon.status, 403);
  t.regex(tooSoon.body.error.message, /Primero reciba el expediente/);
  t.is((await unidad.post(`${path}/recibir`)).status, 200);
  const noFile = await actionMultipart(base, unidad, numero, 'atender', { comentario: 'Sin archivo' });
  t.is(noFile.status, 400);
  t.is(noFile.body.error.message, 'Adjunte el documento de respuesta en PDF.');
  const respuesta = await makePdf(1, 'Resolución');
  const done = await actionMultipart(base, unidad, numero, 'atender', { comentario: 'Se otorga la licencia' }, [{ field: 'respuesta', name: 'resolucion.pdf', data: respuesta }]);
  t.deepEqual(done, { status: 200, body: { numero, estado: 'ATENDIDO' } });
  await mail.waitFor((m) => m.subject.includes(`expediente ${numero}`) && m.subject.includes('Se atendió'));

  const after = await supervisor.post(`${path}/derivar`, { unidad: 'OA', proveido: 'Otra vez' });
  t.is(after.status, 409);
  t.is(after.body.error.code, 'ESTADO_NO_PERMITE');
  t.regex(after.body.error.message, /está atendido/);

  const detail = (await (await ciudadano.get(path)).json()) as ExpedienteDetalle;
  t.deepEqual(
    detail.seguimiento.map((s) => [s.accion, s.estadoNuevo, s.unidad]),
    [
      ['PRESENTAR', 'PENDIENTE_VALIDACION', null],
      ['OBSERVAR', 'OBSERVADO', null],
      ['SUBSANAR', 'PENDIENTE_VALIDACION', null],
      ['DERIVAR', 'DERIVADO', 'OAJ'],
      ['RECIBIR', 'DERIVADO', 'OAJ'],
      ['ATENDER', 'ATENDIDO', 'OAJ'],
    ],
  );
  t.is(detail.seguimiento[1].actor, 'mesa@demo.gob.pe');
  t.true(detail.documentos.some((d) => d.rol === 'RESPUESTA' && d.sha256 === sha256(respuesta)));
  t.true(detail.documentos.some((d) => d.rol === 'SUBSANACION' && d.nombre === 'croquis.pdf'));
  const [n, year] = numero.split('-');
  t.is((await client.workflow.getHandle(`expediente-${year}-${n}`).result()).estado, 'ATENDIDO');
});

test('actualizar and anular only while pending validation', async (t) => {
  const { base, ciudadano, mesa } = t.context;
  const a = (await fileMultipart(base, ciudadano, { asunto: 'Primer asunto' })).body.numero as string;
  const upd = await actionMultipart(base, ciudadano, a, 'actualizar', { asunto: 'Asunto corregido' });
  t.deepEqual(upd, { status: 200, body: { numero: a, estado: 'PENDIENTE_VALIDACION' } });
  const afterUpd = (await (await ciudadano.get(`/api/v1/expedientes/${a}`)).json()) as ExpedienteDetalle;
  t.is(afterUpd.asunto, 'Asunto corregido');
  // Fields sent unchanged are not recorded as changes.
  await actionMultipart(base, ciudadano, a, 'actualizar', { asunto: 'Asunto corregido', contenido: '' });
  const notes = ((await (await ciudadano.get(`/api/v1/expedientes/${a}`)).json()) as ExpedienteDetalle).seguimiento.filter((s) => s.accion === 'ACTUALIZAR').map((s) => s.nota);
  t.deepEqual(notes, ['Actualizó: asunto', 'Sin cambios']);
  t.deepEqual(await ciudadano.post(`/api/v1/expedientes/${a}/anular`, { motivo: 'Lo presenté por error' }), { status: 200, body: { numero: a, estado: 'ANULADO' } });

  const b = (await fileMultipart(base, ciudadano, { asunto: 'Otro trámite' })).body.numero as string;
  const derived = await mesa.post(`/api/v1/expedientes/${b}/derivar`, { unidad: 'OAJ', proveido: 'Atender' });
  t.is(derived.status, 200, JSON.stringify(derived.body));
  const late = await ciudadano.post(`/api/v1/expedientes/${b}/anular`, {});
  t.is(late.status, 409);
  t.regex(late.body.error.message, /No se puede anular .*está derivado/);
});

test('the same Idempotency-Key returns the same expediente, never a second one', async (t) => {
  const { base, db, ciudadano } = t.context;
  const headers = { 'Idempotency-Key': 'form-7f3a-2026' };
  const [a, b] = await Promise.all([
    fileMultipart(base, ciudadano, {}, {}, headers),
    fileMultipart(base, ciudadano, {}, {}, headers),
  ]);
  const c = await fileMultipart(base, ciudadano, {}, {}, headers);
  t.is(a.status, 201);
  t.is(b.status, 201);
  t.is(a.body.numero, b.body.numero);
  t.is(a.body.numero, c.body.numero);
  t.is((await db('expedientes').where('idempotency_key', 'like', '%:form-7f3a-2026')).length, 1);
});

test('roles and ownership: 401, 403, and 404 for another person\'s case or file', async (t) => {
  const { base, ciudadano, mesa, db } = t.context;
  t.is((await fileMultipart(base, {})).status, 401);
  t.is((await fileMultipart(base, mesa)).status, 403);
  const { body } = await fileMultipart(base, ciudadano);
  const act = await ciudadano.post(`/api/v1/expedientes/${body.numero}/derivar`, { unidad: 'OAJ', proveido: 'Yo mismo' });
  t.is(act.status, 403);
  t.is((await fetch(`${base}/api/v1/expedientes/${body.numero}`)).status, 401);

  await db('cuentas').insert({
    rol: 'ciudadano', tipo_persona: 'NATURAL', tipo_documento: 'DNI', numero_documento: '40000002', email: 'otra@demo.pe',
    password_hash: (await db('cuentas').where({ email: 'ciudadano@demo.pe' }).first()).password_hash, email_verificado_en: new Date(), nombres: 'Otra',
  });
  const otra = await loginAs(base, 'otra@demo.pe');
  t.is((await otra.get(`/api/v1/expedientes/${body.numero}`)).status, 404);
  t.is((await otra.get(`/api/v1/expedientes/${body.numero}/cargo.pdf`)).status, 404);
  const doc = await db('documentos').join('expedientes', 'expedientes.id', 'documentos.expediente_id').where({ numero: body.numero }).first('documentos.id');
  t.is((await otra.get(`/api/v1/documentos/${doc.id}`)).status, 404);
  t.is((await fetch(`${base}/api/v1/documentos/${doc.id}`)).status, 401);
  t.is((await mesa.get(`/api/v1/expedientes/${body.numero}`)).status, 200);
  const mine = (await (await otra.get('/api/v1/expedientes')).json()) as ListaExpedientes;
  t.is(mine.expedientes.length, 0);
});

test('bad files and fields get a clear Spanish answer and leave no expediente behind', async (t) => {
  const { base, ciudadano, db } = t.context;
  const file = (fields: Record<string, string>, files: Parameters<typeof fileMultipart>[3] = {}) =>
    fileMultipart(base, ciudadano, { asunto: 'Caso inválido de prueba', ...fields }, files);
  const zipAsPdf = new Uint8Array([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
  const cases: [Awaited<ReturnType<typeof fileMultipart>>, number, RegExp][] = [
    [await file({}, { principal: null }), 400, /Adjunte el documento principal/],
    [await file({}, { principal: zipAsPdf }), 422, /no es un PDF válido/],
    [await file({}, { principal: new TextEncoder().encode('%PDF-1.7 basura') }), 422, /dañado|no se puede leer/],
    [await file({}, { anexos: Array.from({ length: 6 }, (_, i) => ({ name: `a${i}.pdf`, data: new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31]) })) }), 400, /hasta 5 anexos/],
    [await file({ folios: '-3' }), 400, /al menos 1/],
    [await file({ antecedente: '99999-2026' }), 400, /antecedente no existe/],
    [await file({ tipoDocumento: 'NOEXISTE' }), 400, /tipo de documento no existe/],
    [await file({ aceptaPrivacidad: 'false' }), 400, /política de privacidad/],
    [await file({ asunto: '' }), 400, /Asunto debe tener al menos 3 caracteres/],
  ];
  for (const [r, status, message] of cases) {
    t.is(r.status, status, JSON.stringify(r.body));
    t.regex(r.body.error.message, message);
  }
  t.is(await db('expedientes').where({ asunto: 'Caso inválido de prueba' }).first(), undefined);
  const traversal = await fileMultipart(base, ciudadano, {}, { principalName: '../../etc/passwd.pdf' });
  t.is(traversal.status, 201);
  const doc = await db('documentos').join('expedientes', 'expedientes.id', 'documentos.expediente_id').where({ numero: traversal.body.numero }).first('nombre');
  t.is(doc.nombre, 'passwd.pdf');
});

test('public consulta by number and tracking password, without login', async (t) => {
  const { base, ciudadano } = t.context;
  const { body } = await fileMultipart(base, ciudadano, { asunto: 'Consulta pública de prueba' });
  const url = `${base}/api/v1/consulta?numero=${body.numero}&clave=${body.claveSeguimiento}`;
  // The workflow projects the filing into the seguimiento right after it starts.
  await until(async () => ((await (await fetch(url)).json()) as ConsultaPublica).seguimiento?.length > 0);
  const ok = await fetch(url);
  t.is(ok.status, 200);
  const c = (await ok.json()) as ConsultaPublica & { remitente?: string };
  t.is(c.estado, 'PENDIENTE_VALIDACION');
  t.is(c.seguimiento[0].accion, 'PRESENTAR');
  t.is(c.remitente, undefined);
  const wrong = await fetch(`${base}/api/v1/consulta?numero=${body.numero}&clave=ZZZZZZZZ`);
  t.is(wrong.status, 404);
  t.is(((await wrong.json()) as { error: { code: string; message: string; campo?: string } }).error.message, 'No encontramos un expediente con ese número y clave.');
});

test('catalogues and the calendar endpoints answer from one source', async (t) => {
  const { base } = t.context;
  const cat = (await (await fetch(`${base}/api/v1/catalogos`)).json()) as Catalogos;
  t.true(cat.tiposDocumento.some((x) => x.codigo === 'SOLICITUD' && x.nombre === 'Solicitud'));
  t.true(cat.destinos.some((x) => x.codigo === 'OAJ'));
  t.is(cat.limites.principalMB, 20);
  t.is(cat.limites.anexos, 5);
  t.deepEqual([cat.horario.inicio, cat.horario.fin], ['08:30', '16:30']);

  // DESIGN.md's example: deposited Friday 2026-12-04 10:00 → 2-day plazo ends Thursday 10 Dec.
  const plazo = (await (await fetch(`${base}/api/v1/calendario/plazo?desde=2026-12-04T10:00:00-05:00&dias=2`)).json()) as unknown;
  t.deepEqual(plazo, { inicio: '2026-12-07', vence: '2026-12-10T23:59:59-05:00' });
  const pres = (await (await fetch(`${base}/api/v1/calendario/presentacion?en=${encodeURIComponent('2026-12-04T23:30:00-05:00')}`)).json()) as unknown;
  t.deepEqual(pres, { presentacion: '2026-12-04', recepcion: '2026-12-07T08:30:00-05:00' });
  const bad = await fetch(`${base}/api/v1/calendario/plazo?desde=ayer&dias=2`);
  t.is(bad.status, 400);
});

test('lists: the citizen sees only their own, with filters and keyset pages', async (t) => {
  const { base, ciudadano } = t.context;
  for (const asunto of ['Filtro alfa uno', 'Filtro alfa dos', 'Filtro beta']) await fileMultipart(base, ciudadano, { asunto });
  const alfa = (await (await ciudadano.get('/api/v1/expedientes?asunto=filtro%20alfa&limite=1')).json()) as ListaExpedientes;
  t.is(alfa.expedientes.length, 1);
  t.is(alfa.expedientes[0].asunto, 'Filtro alfa dos');
  const next = (await (await ciudadano.get(`/api/v1/expedientes?asunto=filtro%20alfa&limite=1&despues=${alfa.siguiente}`)).json()) as ListaExpedientes;
  t.is(next.expedientes[0].asunto, 'Filtro alfa uno');
  t.is(next.siguiente, null);
  t.is((await ciudadano.get('/api/v1/expedientes?estado=NADA')).status, 400);
});

test('the home page lists the expedientes with escaped text', async (t) => {
  const { base, ciudadano } = t.context;
  const { body } = await fileMultipart(base, ciudadano, { asunto: 'Pedido <script>alert(1)</script>' });
  const html = await (await ciudadano.get('/', { accept: 'text/html' })).text();
  t.true(html.includes(body.numero));
  t.true(html.includes('Pedido &lt;script&gt;alert(1)&lt;/script&gt;'));
  t.false(html.includes('<script>alert(1)</script>'));
});

test('JSON bodies: bad JSON and oversize answer 400 and 413', async (t) => {
  const { base, mesa, ciudadano } = t.context;
  const { body } = await fileMultipart(base, ciudadano);
  const res = await fetch(`${base}/api/v1/expedientes/${body.numero}/observar`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: mesa.cookie, 'x-csrf-token': mesa.csrf }, body: '{no es json' });
  t.is(res.status, 400);
  t.is(((await res.json()) as { error: { code: string; message: string; campo?: string } }).error.message, 'El cuerpo de la solicitud no es JSON válido.');
  t.is((await mesa.post(`/api/v1/expedientes/${body.numero}/observar`, { motivo: 'x'.repeat(400_000) })).status, 413);
  t.is((await postJson(`${base}/api/v1/expedientes/${body.numero}/observar`, { motivo: 'Sin sesión' })).status, 401);
});

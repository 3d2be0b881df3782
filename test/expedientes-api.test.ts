// The slice end to end over HTTP: filing starts a real workflow; staff updates move it; refused
// updates answer 409 with the reason; the read model shows state and seguimiento.
import anyTest, { type TestFn } from 'ava';
import { startStack, postJson } from './helpers/stack';
import { loginAs, type Client } from './helpers/http';
import { searchAttributes } from '../workflows/definitions';

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
test.after.always(async (t) => {
  await t.context.close();
});

const filing = { tipoDocumento: 'SOLICITUD', asunto: 'Solicito constancia de trabajo' };

test('filing returns 201 with the next number and starts the workflow', async (t) => {
  const { client, ciudadano } = t.context;
  const r = await ciudadano.post('/api/v1/expedientes', filing);
  t.is(r.status, 201);
  t.regex(r.body.numero, /^\d{5}-\d{4}$/);
  t.is(r.body.estado, 'PENDIENTE_VALIDACION');
  const [n, year] = r.body.numero.split('-');
  const desc = await client.workflow.getHandle(`expediente-${year}-${n}`).describe();
  t.is(desc.status.name, 'RUNNING');
  t.is(desc.typedSearchAttributes.get(searchAttributes.estado), 'PENDIENTE_VALIDACION');
});

test('derivar then atender completes the case; history is projected in order', async (t) => {
  const { client, ciudadano, mesa, unidad } = t.context;
  const { body } = await ciudadano.post('/api/v1/expedientes', filing);
  const numero = body.numero as string;

  const early = await t.context.supervisor.post(`/api/v1/expedientes/${numero}/atender`, { comentario: 'Respuesta adelantada' });
  t.is(early.status, 409);
  t.is(early.body.error.code, 'ESTADO_NO_PERMITE');
  t.regex(early.body.error.message, /No se puede atender .*pendiente de validación/);
  const notYours = await unidad.post(`/api/v1/expedientes/${numero}/atender`, { comentario: 'Respuesta adelantada' });
  t.is(notYours.status, 403);

  const d = await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Para su opinión legal' });
  t.deepEqual(d, { status: 200, body: { numero, estado: 'DERIVADO' } });
  const a = await unidad.post(`/api/v1/expedientes/${numero}/atender`, { comentario: 'Se emitió la constancia' });
  t.deepEqual(a, { status: 200, body: { numero, estado: 'ATENDIDO' } });

  const after = await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OA', proveido: 'Otra vez' });
  t.is(after.status, 409);
  t.is(after.body.error.code, 'ESTADO_NO_PERMITE');
  t.regex(after.body.error.message, /No se puede derivar .*está atendido/);

  const detail = (await (await ciudadano.get(`/api/v1/expedientes/${numero}`)).json()) as any;
  t.is(detail.estado, 'ATENDIDO');
  t.is(detail.unidad, 'OAJ');
  t.deepEqual(
    detail.seguimiento.map((s: any) => [s.secuencia, s.accion, s.estadoAnterior, s.estadoNuevo, s.nota]),
    [
      [1, 'PRESENTAR', null, 'PENDIENTE_VALIDACION', null],
      [2, 'DERIVAR', 'PENDIENTE_VALIDACION', 'DERIVADO', 'Para su opinión legal'],
      [3, 'ATENDER', 'DERIVADO', 'ATENDIDO', 'Se emitió la constancia'],
    ],
  );
  const [n, year] = numero.split('-');
  const result = await client.workflow.getHandle(`expediente-${year}-${n}`).result();
  t.is(result.estado, 'ATENDIDO');
});

test('the same Idempotency-Key returns the same expediente, never a second one', async (t) => {
  const { db, ciudadano } = t.context;
  const headers = { 'Idempotency-Key': 'form-7f3a' };
  const [a, b] = await Promise.all([
    ciudadano.post('/api/v1/expedientes', filing, headers),
    ciudadano.post('/api/v1/expedientes', filing, headers),
  ]);
  const c = await ciudadano.post('/api/v1/expedientes', filing, headers);
  t.is(a.status, 201);
  t.is(a.body.numero, b.body.numero);
  t.is(a.body.numero, c.body.numero);
  const rows = await db('expedientes').where('idempotency_key', 'like', '%:form-7f3a');
  t.is(rows.length, 1);
});

test('roles: anonymous 401, staff cannot file, citizens cannot act, nobody sees another one\'s case', async (t) => {
  const { base, ciudadano, mesa, db } = t.context;
  t.is((await postJson(`${base}/api/v1/expedientes`, filing)).status, 401);
  t.is((await mesa.post('/api/v1/expedientes', filing)).status, 403);
  const { body } = await ciudadano.post('/api/v1/expedientes', filing);
  const act = await ciudadano.post(`/api/v1/expedientes/${body.numero}/derivar`, { unidad: 'OAJ', proveido: 'Yo mismo' });
  t.is(act.status, 403);
  t.is(act.body.error.message, 'No tiene permiso para realizar esta acción.');
  t.is((await fetch(`${base}/api/v1/expedientes/${body.numero}`)).status, 401);

  // Another citizen gets 404, as if the case did not exist.
  await db('cuentas').insert({
    rol: 'ciudadano', tipo_persona: 'NATURAL', tipo_documento: 'DNI', numero_documento: '40000002', email: 'otra@demo.pe',
    password_hash: (await db('cuentas').where({ email: 'ciudadano@demo.pe' }).first()).password_hash, email_verificado_en: new Date(), nombres: 'Otra',
  });
  const otra = await loginAs(base, 'otra@demo.pe');
  t.is((await otra.get(`/api/v1/expedientes/${body.numero}`)).status, 404);
  t.is((await mesa.get(`/api/v1/expedientes/${body.numero}`)).status, 200);
});

test('bad input gets a Spanish message and the right status, never a 500', async (t) => {
  const { base, ciudadano, mesa } = t.context;
  const missing = await ciudadano.post('/api/v1/expedientes', { tipoDocumento: 'CARTA' });
  t.is(missing.status, 400);
  t.is(missing.body.error.campo, 'asunto');
  t.is(missing.body.error.message, 'Ingrese el asunto.');

  const res = await fetch(`${base}/api/v1/expedientes`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: ciudadano.cookie, 'x-csrf-token': ciudadano.csrf }, body: '{no es json' });
  t.is(res.status, 400);
  t.is(((await res.json()) as any).error.message, 'El cuerpo de la solicitud no es JSON válido.');

  const huge = await ciudadano.post('/api/v1/expedientes', { ...filing, asunto: 'x'.repeat(400_000) });
  t.is(huge.status, 413);

  const { body } = await ciudadano.post('/api/v1/expedientes', filing);
  const unknownUnit = await mesa.post(`/api/v1/expedientes/${body.numero}/derivar`, { unidad: 'NOEXISTE', proveido: 'Para atención' });
  t.is(unknownUnit.status, 400);
  t.is(unknownUnit.body.error.message, 'La unidad de destino no existe.');

  const notFound = await mesa.get('/api/v1/expedientes/99999-2026');
  t.is(notFound.status, 404);
  t.is(((await notFound.json()) as any).error.message, 'El expediente no existe.');

  const badAction = await mesa.post(`/api/v1/expedientes/${body.numero}/borrar`, {});
  t.is(badAction.status, 404);

  const noCsrf = await fetch(`${base}/api/v1/expedientes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: ciudadano.cookie },
    body: JSON.stringify(filing),
  });
  t.is(noCsrf.status, 403);
});

test('the home page lists the expedientes with escaped text', async (t) => {
  const { ciudadano } = t.context;
  const { body } = await ciudadano.post('/api/v1/expedientes', { ...filing, asunto: 'Pedido <script>alert(1)</script>' });
  const html = await (await ciudadano.get('/', { accept: 'text/html' })).text();
  t.true(html.includes(body.numero));
  t.true(html.includes('Pedido &lt;script&gt;alert(1)&lt;/script&gt;'));
  t.false(html.includes('<script>alert(1)</script>'));
});

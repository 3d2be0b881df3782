// The slice end to end over HTTP: filing starts a real workflow; staff updates move it; refused
// updates answer 409 with the reason; the read model shows state and seguimiento.
import anyTest, { type TestFn } from 'ava';
import { startStack, postJson } from './helpers/stack';
import { searchAttributes } from '../workflows/definitions';

const test = anyTest as TestFn<Awaited<ReturnType<typeof startStack>>>;
test.before(async (t) => {
  t.context = await startStack();
});
test.after.always(async (t) => {
  await t.context.close();
});

const filing = { tipoDocumento: 'SOLICITUD', asunto: 'Solicito constancia de trabajo', remitente: 'Rosa Quispe Mamani' };

test('filing returns 201 with the next number and starts the workflow', async (t) => {
  const { base, client } = t.context;
  const r = await postJson(`${base}/api/v1/expedientes`, filing);
  t.is(r.status, 201);
  t.regex(r.body.numero, /^\d{5}-\d{4}$/);
  t.is(r.body.estado, 'PENDIENTE_VALIDACION');
  const [n, year] = r.body.numero.split('-');
  const desc = await client.workflow.getHandle(`expediente-${year}-${n}`).describe();
  t.is(desc.status.name, 'RUNNING');
  t.is(desc.typedSearchAttributes.get(searchAttributes.estado), 'PENDIENTE_VALIDACION');
});

test('derivar then atender completes the case; history is projected in order', async (t) => {
  const { base, client } = t.context;
  const { body } = await postJson(`${base}/api/v1/expedientes`, filing);
  const numero = body.numero as string;

  const early = await postJson(`${base}/api/v1/expedientes/${numero}/atender`, { comentario: 'Respuesta adelantada' });
  t.is(early.status, 409);
  t.is(early.body.error.code, 'ESTADO_NO_PERMITE');
  t.regex(early.body.error.message, /No se puede atender .*pendiente de validación/);

  const d = await postJson(`${base}/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Para su opinión legal' });
  t.deepEqual(d, { status: 200, body: { numero, estado: 'DERIVADO' } });
  const a = await postJson(`${base}/api/v1/expedientes/${numero}/atender`, { comentario: 'Se emitió la constancia' });
  t.deepEqual(a, { status: 200, body: { numero, estado: 'ATENDIDO' } });

  const after = await postJson(`${base}/api/v1/expedientes/${numero}/derivar`, { unidad: 'OA', proveido: 'Otra vez' });
  t.is(after.status, 409);
  t.regex(after.body.error.message, /está atendido/);

  const detail = (await (await fetch(`${base}/api/v1/expedientes/${numero}`)).json()) as any;
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
  const { base, db } = t.context;
  const headers = { 'Idempotency-Key': 'form-7f3a' };
  const [a, b] = await Promise.all([
    postJson(`${base}/api/v1/expedientes`, filing, headers),
    postJson(`${base}/api/v1/expedientes`, filing, headers),
  ]);
  const c = await postJson(`${base}/api/v1/expedientes`, filing, headers);
  t.is(a.body.numero, b.body.numero);
  t.is(a.body.numero, c.body.numero);
  const rows = await db('expedientes').where({ idempotency_key: 'form-7f3a' });
  t.is(rows.length, 1);
});

test('bad input gets a Spanish message and the right status, never a 500', async (t) => {
  const { base } = t.context;
  const missing = await postJson(`${base}/api/v1/expedientes`, { tipoDocumento: 'CARTA', remitente: 'Ana Torres' });
  t.is(missing.status, 400);
  t.is(missing.body.error.campo, 'asunto');
  t.is(missing.body.error.message, 'Ingrese el asunto.');

  const res = await fetch(`${base}/api/v1/expedientes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{no es json' });
  t.is(res.status, 400);
  t.is(((await res.json()) as any).error.message, 'El cuerpo de la solicitud no es JSON válido.');

  const huge = await postJson(`${base}/api/v1/expedientes`, { ...filing, asunto: 'x'.repeat(400_000) });
  t.is(huge.status, 413);

  const unknownUnit = await postJson(`${base}/api/v1/expedientes/00001-2026/derivar`, { unidad: 'NOEXISTE', proveido: 'Para atención' });
  t.true([400, 404].includes(unknownUnit.status));

  const notFound = await fetch(`${base}/api/v1/expedientes/99999-2026`);
  t.is(notFound.status, 404);
  t.is(((await notFound.json()) as any).error.message, 'El expediente no existe.');

  const badAction = await postJson(`${base}/api/v1/expedientes/00001-2026/borrar`, {});
  t.is(badAction.status, 404);
});

test('the home page lists the expedientes with escaped text', async (t) => {
  const { base } = t.context;
  const { body } = await postJson(`${base}/api/v1/expedientes`, { ...filing, asunto: 'Pedido <script>alert(1)</script>' });
  const html = await (await fetch(`${base}/`, { headers: { accept: 'text/html' } })).text();
  t.true(html.includes(body.numero));
  t.true(html.includes('Pedido &lt;script&gt;alert(1)&lt;/script&gt;'));
  t.false(html.includes('<script>alert(1)</script>'));
});

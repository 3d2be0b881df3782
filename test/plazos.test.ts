// Plazos run out on the real workflow: a calendar whose días hábiles last a second and a half
// makes a 2-day subsanación plazo expire in seconds. And the real calendar: a non-working day
// added by the admin moves the deadline of a running case.
import test from 'ava';
import { fastCalendar } from '../lib/business-calendar';
import { searchAttributes, workflowIdFor } from '../workflows/definitions';
import { startStack } from './helpers/stack';
import { fileMultipart, loginAs } from './helpers/http';
import { until } from './helpers/wait';
import type { ExpedienteDetalle } from '../services/expedientes/consultas';

const DAY_MS = 1500;

test('an observation not answered in time archives the case and tells the citizen', async (t) => {
  const stack = await startStack({}, { calendar: fastCalendar(DAY_MS) });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: 'Solicitud que no se subsanará' });
  const o = await mesa.post(`/api/v1/expedientes/${body.numero}/observar`, { motivo: 'Falta la firma del solicitante' });
  t.is(o.status, 200);
  const result = await stack.client.workflow.getHandle(workflowIdFor(body.numero)).result();
  t.is(result.estado, 'ARCHIVADO');
  const row = await stack.db('expedientes').where({ numero: body.numero }).first();
  t.is(row.estado, 'ARCHIVADO');
  const last = await stack.db('historial').where({ expediente_id: row.id }).orderBy('secuencia', 'desc').first();
  t.is(last.accion, 'ARCHIVAR');
  t.regex(last.nota, /se tiene por no presentado/);
  const notice = await stack.mail.waitFor((m) => m.subject.includes(`expediente ${body.numero}`) && m.subject.includes('archivó'));
  t.regex(notice.text, /Venció el plazo de subsanación/);
});

test('a subsanación in time returns the case to whoever observed it', async (t) => {
  const stack = await startStack({}, { calendar: fastCalendar(60_000) });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const unidad = await loginAs(stack.base, 'unidad@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano);
  const path = `/api/v1/expedientes/${body.numero}`;
  await mesa.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Evaluar' });
  await unidad.post(`${path}/recibir`);
  t.is((await unidad.post(`${path}/observar`, { motivo: 'Precise el periodo solicitado' })).status, 200);
  const detail = (await (await ciudadano.get(path)).json()) as ExpedienteDetalle;
  t.is(detail.estado, 'OBSERVADO');
  const form = new FormData();
  form.append('nota', 'El periodo es 2024-2025');
  const res = await fetch(`${stack.base}${path}/subsanar`, { method: 'POST', headers: { cookie: ciudadano.cookie, 'x-csrf-token': ciudadano.csrf }, body: form });
  t.is(res.status, 200);
  const back = (await (await unidad.get(path)).json()) as ExpedienteDetalle;
  t.deepEqual([back.estado, back.unidad], ['DERIVADO', 'OAJ']);
});

test('an office plazo that runs out marks the case overdue and alerts the supervisors', async (t) => {
  const stack = await startStack({}, { calendar: fastCalendar(DAY_MS) });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: 'Nadie lo valida a tiempo' });
  const alert = await stack.mail.waitFor((m) => m.to.includes('supervisor@demo.gob.pe') && m.subject.includes(body.numero));
  t.regex(alert.text, /Venció el plazo de validación/);
  await until(async () => (await stack.db('expedientes').where({ numero: body.numero }).first()).vencido === true);
  await until(async () => {
    const d = await stack.client.workflow.getHandle(workflowIdFor(body.numero)).describe();
    return d.typedSearchAttributes.get(searchAttributes.vencido) === true;
  });
  t.pass();
});

test('a non-working day added by the admin moves the deadline of a running case', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const admin = await loginAs(stack.base, 'admin@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano);
  const row = () => stack.db('expedientes').where({ numero: body.numero }).first();
  await until(async () => (await row()).vence_en !== null);
  const before = new Date((await row()).vence_en);
  const day = new Date(before.getTime() - 5 * 3600_000).toISOString().slice(0, 10); // its Lima day

  const added = await admin.post('/api/v1/admin/dias-no-laborables', { fecha: day, descripcion: 'Día no laborable (D.S. de prueba)' });
  t.is(added.status, 201);
  t.true(added.body.expedientesRecalculados >= 1);
  await until(async () => new Date((await row()).vence_en).getTime() !== before.getTime());
  const after = new Date((await row()).vence_en);
  const expected = (await (await fetch(`${stack.base}/api/v1/calendario/plazo?desde=${encodeURIComponent((await row()).recibido_en.toISOString())}&dias=1`)).json()) as { inicio: string; vence: string };
  t.is(after.toISOString(), new Date(expected.vence).toISOString());
  t.true(after > before);
  const d = await stack.client.workflow.getHandle(workflowIdFor(body.numero)).describe();
  t.is((d.typedSearchAttributes.get(searchAttributes.venceEn) as Date).toISOString(), after.toISOString());

  const dup = await admin.post('/api/v1/admin/dias-no-laborables', { fecha: day, descripcion: 'Otra vez' });
  t.is(dup.status, 409);
  t.is((await ciudadano.post('/api/v1/admin/dias-no-laborables', { fecha: day, descripcion: 'No' })).status, 403);
});

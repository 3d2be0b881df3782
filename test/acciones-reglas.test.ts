// What an action must carry lives in domain/: the workflow's Update validators apply it too, so an
// Update sent straight to Temporal (not through the API) is refused with the same Spanish reason.
import test from 'ava';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { atenderInputRefusal, derivarInputRefusal, notificarInputRefusal, subsanarInputRefusal } from '../domain/acciones';
import { ESTADOS, FINAL_STATES, OPEN_STATES, refusal, withUltimaAccion } from '../domain/lifecycle';
import { NUMERO_EXPEDIENTE } from '../domain/formats';
import { REFUSED, derivarUpdate, estadoQuery, workflowIdFor } from '../workflows/definitions';
import { startStack, uid } from './helpers/stack';
import { fileMultipart, loginAs } from './helpers/http';

test('derivar names another office than the one holding the case', (t) => {
  t.deepEqual(derivarInputRefusal({ unidad: 'OAJ' }, { unidad: 'OAJ' }), { reason: 'El expediente ya está en esa unidad.', field: 'unidad' });
  t.is(derivarInputRefusal({ unidad: 'OAJ' }, { unidad: 'OA' }), null);
  t.is(derivarInputRefusal({ unidad: null }, { unidad: 'OAJ' }), null);
});

test('atender carries its response document, a PDF', (t) => {
  const refused = { reason: 'Adjunte el documento de respuesta en PDF.', field: 'respuesta' };
  t.deepEqual(atenderInputRefusal({ documentos: [] }), refused);
  t.deepEqual(atenderInputRefusal({ documentos: [{ mime: 'image/png' }] }), refused);
  t.is(atenderInputRefusal({ documentos: [{ mime: 'application/pdf' }] }), null);
  // Recorded before 2026-11-29, a document travelled without its type.
  t.is(atenderInputRefusal({ documentos: [{}] }), null);
});

test('subsanar carries files or a note saying how it corrects', (t) => {
  const refused = { reason: 'Adjunte los documentos o describa cómo subsana las observaciones.', field: 'nota' };
  t.deepEqual(subsanarInputRefusal({ nota: '', documentos: [] }), refused);
  t.deepEqual(subsanarInputRefusal({ nota: '   ', documentos: [] }), refused);
  t.deepEqual(subsanarInputRefusal({ nota: null, documentos: [] }), refused);
  t.is(subsanarInputRefusal({ nota: 'Adjunto el croquis', documentos: [] }), null);
  t.is(subsanarInputRefusal({ nota: '', documentos: [{ mime: 'application/pdf' }] }), null);
});

test('notificar carries the document it notifies', (t) => {
  t.deepEqual(notificarInputRefusal({ documentos: [] }), { reason: 'Adjunte el documento a notificar.', field: 'documentos' });
  t.is(notificarInputRefusal({ documentos: [{ mime: 'application/pdf' }] }), null);
});

test('a state refusal names the last action, its author and its instant in Lima time', (t) => {
  const reason = 'No se puede derivar el expediente 00007-2026: ya no está en mesa de partes.';
  t.is(
    withUltimaAccion(reason, { accion: 'DERIVAR', usuario: 'mesa@demo.gob.pe', en: '2026-12-04T15:00:00.123Z' }),
    `${reason} Última acción: derivar por mesa@demo.gob.pe (2026-12-04T10:00:00-05:00).`,
  );
  t.is(withUltimaAccion(reason, { accion: 'RECIBIR', usuario: 'unidad@demo.gob.pe', en: new Date('2026-12-07T13:30:00Z') }), `${reason} Última acción: recibir por unidad@demo.gob.pe (2026-12-07T08:30:00-05:00).`);
  t.is(withUltimaAccion(reason, null), reason);
});

test('open and final states split the states, and staff notify only while the case is open', (t) => {
  t.deepEqual([...OPEN_STATES, ...FINAL_STATES].sort(), [...ESTADOS].sort());
  t.false(OPEN_STATES.some((e) => FINAL_STATES.includes(e)));
  for (const estado of ESTADOS) {
    const reason = refusal('notificar', { numero: '00001-2026', estado, unidad: null, recibido: false });
    t.is(reason === null, OPEN_STATES.includes(estado), estado);
  }
});

test('an expediente number is five digits, a dash and the year', (t) => {
  t.true(NUMERO_EXPEDIENTE.test('00123-2026'));
  for (const bad of ['123-2026', '00123-26', '00123_2026', ' 00123-2026', '00123-2026x']) t.false(NUMERO_EXPEDIENTE.test(bad), bad);
});

test('a derivar sent straight to Temporal to the office that holds the case is refused by the validator, and not recorded', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const [ciudadano, mesa, supervisor] = await Promise.all(['ciudadano@demo.pe', 'mesa@demo.gob.pe', 'supervisor@demo.gob.pe'].map((u) => loginAs(stack.base, u)));
  const numero = (await fileMultipart(stack.base, ciudadano, { asunto: 'Derivado dos veces a la misma oficina' })).body.numero as string;
  const path = `/api/v1/expedientes/${numero}`;
  t.is((await mesa.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' })).status, 200);
  // The API refuses it as it always did; the workflow now refuses it with the same words.
  t.like((await supervisor.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Otra vez' })).body.error, { message: 'El expediente ya está en esa unidad.', campo: 'unidad' });

  const handle = stack.client.workflow.getHandle(workflowIdFor(numero));
  const updateId = `derivar-misma-unidad-${uid()}`;
  const err = await t.throwsAsync(
    handle.executeUpdate(derivarUpdate, { updateId, args: [{ actor: { usuario: 'supervisor@demo.gob.pe', rol: 'supervisor' }, unidad: 'OAJ', proveido: 'Otra vez, sin pasar por la API' }] }),
    { instanceOf: WorkflowUpdateFailedError },
  );
  t.true(err?.cause instanceof ApplicationFailure);
  const cause = err?.cause as ApplicationFailure;
  t.is(cause.type, REFUSED);
  t.is(cause.message, 'El expediente ya está en esa unidad.');
  t.deepEqual(cause.details, [{ campo: 'unidad' }]);

  // A validator's refusal never enters the history: only the API's derivar was accepted.
  const history = await handle.fetchHistory();
  const accepted = (history.events ?? []).flatMap((e) => {
    const a = e.workflowExecutionUpdateAcceptedEventAttributes;
    return a ? [{ id: a.acceptedRequest?.meta?.updateId, name: a.acceptedRequest?.input?.name }] : [];
  });
  t.false(accepted.some((a) => a.id === updateId));
  t.deepEqual(accepted.map((a) => a.name), ['derivar']);
  t.like(await handle.query(estadoQuery), { estado: 'DERIVADO', unidad: 'OAJ', secuencia: 2 });
  const exp = await stack.db('expedientes').where({ numero }).first('id');
  const historial = await stack.db('historial').where({ expediente_id: exp.id }).orderBy('secuencia');
  t.deepEqual(historial.map((h) => [h.accion, h.unidad]), [
    ['PRESENTAR', null],
    ['DERIVAR', 'OAJ'],
  ]);
});

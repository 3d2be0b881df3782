// An action that reaches a case in the same workflow task as its start (the worker was down or
// slow to take the first task) is applied after the filing's own first step, never undone by it.
import test from 'ava';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { startStack } from './helpers/stack';
import { loginAs } from './helpers/http';
import { filingInput } from './helpers/filing';
import { fileExpediente } from '../services/expedientes/registro';
import { plazosFor } from '../services/expedientes/workflow';
import { WORKFLOW_TYPE, derivarUpdate, workflowIdFor, type EstadoView, type ExpedienteInput } from '../workflows/definitions';

test('a derivar delivered with the first workflow task leaves the case derived', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const cuenta = await stack.db('cuentas').where({ email: 'ciudadano@demo.pe' }).first('id');
  // Filed, its workflow not started yet (as when Temporal was unreachable at filing time).
  const now = new Date();
  const { row } = await fileExpediente(stack.db, filingInput('Derivado en la primera tarea', { cuentaId: cuenta.id }, now), now);
  const input: ExpedienteInput = {
    numero: row.numero,
    tipoDocumento: 'CARTA',
    presentadoEn: now.toISOString(),
    recibidoEn: now.toISOString(),
    unidad: null,
    plazos: await plazosFor(stack.db, stack.config, 'CARTA'),
  };
  // Update-with-start: the start and the derivar travel in one first workflow task.
  const derived = (await stack.client.workflow.executeUpdateWithStart(derivarUpdate, {
    args: [{ actor: { usuario: 'mesa@demo.gob.pe', rol: 'mesa_partes' }, unidad: 'OAJ', proveido: 'Para su atención' }],
    startWorkflowOperation: new WithStartWorkflowOperation(WORKFLOW_TYPE, {
      workflowId: workflowIdFor(row.numero),
      taskQueue: stack.config.temporal.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  })) as EstadoView;
  t.is(derived.estado, 'DERIVADO');

  const late = await ciudadano.post(`/api/v1/expedientes/${row.numero}/anular`, {});
  t.is(late.status, 409, JSON.stringify(late.body));
  const historial = await stack.db('historial').where({ expediente_id: row.id }).orderBy('secuencia');
  t.deepEqual(
    historial.map((h) => [h.secuencia, h.accion, h.estado_nuevo]),
    [
      [1, 'PRESENTAR', 'PENDIENTE_VALIDACION'],
      [2, 'DERIVAR', 'DERIVADO'],
    ],
  );
  t.is((await stack.db('expedientes').where({ id: row.id }).first()).estado, 'DERIVADO');
});

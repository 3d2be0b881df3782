// One durable workflow per expediente: its state machine, its history and its plazos.
import { allHandlersFinished, condition, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { searchAttributes, type EstadoView, type ExpedienteInput } from '../definitions';
import { acts } from './acts';
import { Casilla, mail } from './casilla';
import { setHandlers } from './handlers';
import { watchPlazos } from './plazos';
import { Caso, SISTEMA } from './state';

export async function expedienteWorkflow(input: ExpedienteInput): Promise<EstadoView> {
  const c = new Caso(input);
  const casilla = new Casilla(input.numero);

  // The filing is the case's first step, taken before any handler exists: an action that came in
  // the very first workflow task (the worker was down at filing time) then follows it instead of
  // being overwritten by it.
  const presentado = patched('presentar-antes-que-acciones') ? c.transition('PRESENTAR', SISTEMA, 'PENDIENTE_VALIDACION') : null;

  setHandlers(c, casilla);

  upsertSearchAttributes([{ key: searchAttributes.vencido, value: false }]);
  if (presentado) await presentado;
  else await c.transition('PRESENTAR', SISTEMA, 'PENDIENTE_VALIDACION');
  // The cargo is printed alongside the lifecycle: a slow or absent Chromium delays it, not the case.
  const cargoIssued = (async () => {
    const cargo = await acts.emitCargo({ numero: c.s.numero });
    await mail(cargo.correoId, cargo.maxRetrySeconds);
  })();

  await watchPlazos(c, casilla);
  await cargoIssued;
  await condition(allHandlersFinished);
  // After the handlers: a deposit made by the last action has queued its constancia by now.
  await casilla.delivered();
  // An escrito sent while the case was finishing (just ATENDIDO) is recorded before the end.
  await condition(allHandlersFinished);
  return c.view();
}

// One durable workflow per expediente: its state machine, its history and (later) its plazos.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FINAL_STATES, refusal, type Accion, type Estado } from '../domain/lifecycle';
import {
  REFUSED,
  atenderUpdate,
  derivarUpdate,
  estadoQuery,
  searchAttributes,
  type Actor,
  type AtenderInput,
  type DerivarInput,
  type EstadoView,
  type ExpedienteInput,
} from './definitions';

const { recordTransition } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

export async function expedienteWorkflow(input: ExpedienteInput): Promise<EstadoView> {
  const s: EstadoView = { numero: input.numero, estado: 'PENDIENTE_VALIDACION', unidad: input.unidad, secuencia: 0 };
  const view = (): EstadoView => ({ ...s });

  // State changes happen synchronously, before any await, so a concurrent update's validator
  // already sees them and is refused instead of acting on a stale state.
  const transition = async (accion: string, actor: Actor, to: Estado, changes: { unidad?: string | null; nota?: string }) => {
    const from = s.secuencia === 0 ? null : s.estado;
    s.estado = to;
    if (changes.unidad !== undefined) s.unidad = changes.unidad;
    s.secuencia += 1;
    const secuencia = s.secuencia;
    upsertSearchAttributes([
      { key: searchAttributes.estado, value: s.estado },
      { key: searchAttributes.unidad, value: s.unidad ?? '' },
    ]);
    await recordTransition({
      numero: s.numero,
      secuencia,
      accion,
      estadoAnterior: from,
      estadoNuevo: to,
      actor: actor.usuario,
      unidad: s.unidad,
      nota: changes.nota ?? null,
      ocurridoEn: new Date().toISOString(),
    });
    return view();
  };

  const check = (accion: Accion) => {
    const reason = refusal(accion, s.estado, s.numero);
    if (reason) throw ApplicationFailure.create({ type: REFUSED, message: reason, nonRetryable: true });
  };

  setHandler(estadoQuery, view);
  setHandler(
    derivarUpdate,
    ({ actor, unidad, proveido }) => transition('DERIVAR', actor, 'DERIVADO', { unidad, nota: proveido }),
    { validator: (_: DerivarInput) => check('derivar') },
  );
  setHandler(
    atenderUpdate,
    ({ actor, comentario }) => transition('ATENDER', actor, 'ATENDIDO', { nota: comentario }),
    { validator: (_: AtenderInput) => check('atender') },
  );

  await transition('PRESENTAR', { usuario: 'sistema', rol: 'sistema' }, 'PENDIENTE_VALIDACION', {});
  await condition(() => FINAL_STATES.includes(s.estado));
  await condition(allHandlersFinished);
  return view();
}

// The citizen's submissions after the filing, from the workflows' side: an escrito or a subsanación
// is recorded under its number (and the office holding the case mailed), then its cargo is printed
// and mailed by a workflow of its own, so a slow or absent Chromium delays the cargo, never the case.
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { RegistroEscrito } from '../activities/escritos';
import { cargoEscritoWorkflowId, type EscritoCerradoInput, type EscritoHecho, type EscritoInput } from './definitions';
import { acts } from './expediente/acts';
import { mail } from './expediente/casilla';

/** Records the submission, hands its mails to the office over and starts its cargo. */
export async function registrar(p: RegistroEscrito): Promise<EscritoHecho> {
  const r = await acts.registrarEscrito(p);
  for (const id of r.correoIds) await mail(id, r.maxRetrySeconds);
  try {
    await startChild(cargoEscritoWorkflow, {
      workflowId: cargoEscritoWorkflowId(r.id),
      args: [{ id: r.id }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  return { id: r.id, numero: r.numero };
}

/** An escrito as the update carries it, for `registrar`. */
export const presentacionDe = (numero: string, secuencia: number | null, e: EscritoInput): RegistroEscrito => ({
  numero,
  tipo: 'ESCRITO',
  secuencia,
  actor: e.actor.usuario,
  asunto: e.asunto,
  contenido: e.contenido,
  documentos: e.documentos,
  recepcion: e.recepcion,
  idempotencyKey: e.idempotencyKey,
});

/** Prints a submission's cargo once and hands its mail to the filer over. */
export async function cargoEscritoWorkflow({ id }: { id: number }): Promise<void> {
  const c = await acts.emitCargoEscrito({ id });
  await mail(c.correoId, c.maxRetrySeconds);
}

/**
 * An escrito to a case whose own workflow has ended (an ATENDIDO case takes escritos too): the
 * step is recorded here, after the case's last one. The API checked the case's state and filer.
 */
export async function escritoWorkflow({ numero, escrito }: EscritoCerradoInput): Promise<EscritoHecho> {
  return registrar(presentacionDe(numero, null, escrito));
}

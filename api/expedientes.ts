// Filing: allocate the next gapless number and record the filing in one transaction, then start
// the case's workflow. A filing whose workflow could not be started yet is kept and started later
// by the sweeper; starting is idempotent (the workflow id is the number).
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { limaDay } from '../domain/calendar';
import { WORKFLOW_TYPE, searchAttributes, workflowIdFor, type ExpedienteInput } from '../workflows/definitions';

export interface FilingInput {
  tipoDocumento: string;
  asunto: string;
  remitente: string;
  idempotencyKey?: string;
  cuentaId?: number | null;
  apiTokenId?: number | null;
}

export interface ExpedienteRow {
  id: number;
  numero: string;
  estado: string;
  tipo_documento: string;
  unidad: string | null;
  presentado_en: Date;
  workflow_iniciado_en: Date | null;
}

export const formatNumero = (correlativo: number, anio: number) => `${String(correlativo).padStart(5, '0')}-${anio}`;

class DuplicateKey extends Error {}

export async function fileExpediente(db: Knex, input: FilingInput, now = new Date()): Promise<{ row: ExpedienteRow; created: boolean }> {
  // An idempotency key belongs to whoever sent it: another filer's key never finds this case.
  const scopedKey = input.idempotencyKey ? `${input.cuentaId ?? ''}:${input.apiTokenId ?? ''}:${input.idempotencyKey}` : undefined;
  if (scopedKey) {
    const existing = await db('expedientes').where({ idempotency_key: scopedKey }).first();
    if (existing) return { row: existing, created: false };
  }
  const anio = Number(limaDay(now).slice(0, 4));
  try {
    const row = await db.transaction(async (trx) => {
      // The counter row stays locked until commit: concurrent filings queue here, and a rollback
      // gives the number back, so the sequence has no gaps.
      const [{ ultimo }] = await trx('expediente_counters')
        .insert({ anio, ultimo: 1 })
        .onConflict('anio')
        .merge({ ultimo: trx.raw('expediente_counters.ultimo + 1') })
        .returning('ultimo');
      const numero = formatNumero(ultimo, anio);
      const inserted = await trx('expedientes')
        .insert({
          numero,
          anio,
          correlativo: ultimo,
          workflow_id: workflowIdFor(numero),
          estado: 'PENDIENTE_VALIDACION',
          tipo_documento: input.tipoDocumento,
          asunto: input.asunto,
          remitente: input.remitente,
          unidad: null,
          idempotency_key: scopedKey ?? null,
          cuenta_id: input.cuentaId ?? null,
          api_token_id: input.apiTokenId ?? null,
          presentado_en: now,
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('*');
      // Another request with the same key won the race: undo ours (and its number).
      if (inserted.length === 0) throw new DuplicateKey();
      return inserted[0] as ExpedienteRow;
    });
    return { row, created: true };
  } catch (err) {
    if (!(err instanceof DuplicateKey)) throw err;
    const existing = await db('expedientes').where({ idempotency_key: scopedKey }).first();
    return { row: existing, created: false };
  }
}

/** Starts the case's workflow if it is not running yet; true once Temporal has it. */
export async function ensureWorkflow(db: Knex, client: Client, taskQueue: string, row: ExpedienteRow): Promise<boolean> {
  if (row.workflow_iniciado_en) return true;
  const input: ExpedienteInput = {
    numero: row.numero,
    tipoDocumento: row.tipo_documento,
    presentadoEn: new Date(row.presentado_en).toISOString(),
    unidad: row.unidad,
  };
  try {
    await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue,
      workflowId: workflowIdFor(row.numero),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: searchAttributes.expediente, value: row.numero },
        { key: searchAttributes.estado, value: row.estado },
        { key: searchAttributes.tipoDocumento, value: row.tipo_documento },
        { key: searchAttributes.vencido, value: false },
      ],
    });
  } catch (err) {
    // Already started and even finished: that is what we wanted.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      console.warn(`[web] no se pudo iniciar el workflow de ${row.numero}; se reintentará:`, (err as Error).message);
      return false;
    }
  }
  await db('expedientes').where({ id: row.id }).whereNull('workflow_iniciado_en').update({ workflow_iniciado_en: db.fn.now() });
  return true;
}

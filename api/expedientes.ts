// Filing: allocate the next gapless number and record the filing with its documents in one
// transaction, then start the case's workflow. A filing whose workflow could not be started yet is
// kept and started later by the sweeper; starting is idempotent (the workflow id is the number).
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { limaDay } from '../domain/calendar';
import { WORKFLOW_TYPE, searchAttributes, workflowIdFor, type ExpedienteInput } from '../workflows/definitions';
import type { Config } from '../lib/config';
import type { UploadedFile } from './uploads';

export interface FilingInput {
  tipoDocumento: string;
  numeroDocumento: string;
  asunto: string;
  contenido: string;
  antecedente: string | null;
  destino: string | null;
  folios: number;
  remitente: string;
  fechaPresentacion: string;
  recibidoEn: Date;
  claveHash: string;
  clave: string;
  codigoVerificacion: string;
  archivos: (UploadedFile & { rol: 'PRINCIPAL' | 'ANEXO' })[];
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
  recibido_en: Date | null;
  workflow_iniciado_en: Date | null;
  [k: string]: unknown;
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
          numero_documento: input.numeroDocumento,
          asunto: input.asunto,
          contenido: input.contenido,
          antecedente: input.antecedente,
          destino: input.destino,
          folios: input.folios,
          remitente: input.remitente,
          unidad: null,
          idempotency_key: scopedKey ?? null,
          cuenta_id: input.cuentaId ?? null,
          api_token_id: input.apiTokenId ?? null,
          presentado_en: now,
          fecha_presentacion: input.fechaPresentacion,
          recibido_en: input.recibidoEn,
          clave_hash: input.claveHash,
          clave_pendiente: input.clave,
          codigo_verificacion: input.codigoVerificacion,
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('*');
      // Another request with the same key won the race: undo ours (and its number).
      if (inserted.length === 0) throw new DuplicateKey();
      const exp = inserted[0] as ExpedienteRow;
      if (input.archivos.length) await trx('documentos').insert(input.archivos.map((f) => documentRow(exp.id, f.rol, f, input.cuentaId ?? null, now)));
      return exp;
    });
    return { row, created: true };
  } catch (err) {
    if (!(err instanceof DuplicateKey)) throw err;
    const existing = await db('expedientes').where({ idempotency_key: scopedKey }).first();
    return { row: existing, created: false };
  }
}

export function documentRow(expedienteId: number, rol: string, f: UploadedFile, cuentaId: number | null, now: Date) {
  return {
    expediente_id: expedienteId,
    rol,
    nombre: f.filename,
    sha256: f.key,
    bytes: f.size,
    mime: f.mime,
    paginas: f.paginas ?? null,
    subido_por: cuentaId,
    subido_en: now,
  };
}

export async function plazosFor(db: Knex, config: Config, tipoDocumento: string) {
  const tipo = await db('tipos_documento').where({ codigo: tipoDocumento }).first('plazo_atencion_dias');
  return { ...config.plazos, atencion: tipo?.plazo_atencion_dias ?? config.plazos.atencion };
}

/** Starts the case's workflow if it is not running yet; true once Temporal has it. */
export async function ensureWorkflow(db: Knex, client: Client, config: Config, row: ExpedienteRow): Promise<boolean> {
  if (row.workflow_iniciado_en) return true;
  const input: ExpedienteInput = {
    numero: row.numero,
    tipoDocumento: row.tipo_documento,
    presentadoEn: new Date(row.presentado_en).toISOString(),
    recibidoEn: new Date(row.recibido_en ?? row.presentado_en).toISOString(),
    unidad: row.unidad,
    plazos: await plazosFor(db, config, row.tipo_documento),
  };
  try {
    await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.temporal.taskQueue,
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

// Starting a case's workflow: idempotent (the workflow id is the number), so the request, the
// starter's queue (services/starter.ts) and the sweeper may all try; the first start wins.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WORKFLOW_TYPE, searchAttributes, workflowIdFor, type ExpedienteInput } from '../../workflows/definitions';
import type { Config } from '../../lib/config';
import { Expediente, TipoDocumento } from '../../lib/models';
import { groupCommit } from './group-commit';

/** What starting a case's workflow reads of it. */
export type ParaIniciar = Pick<
  Expediente,
  'id' | 'numero' | 'estado' | 'tipo_documento' | 'unidad' | 'presentado_en' | 'recibido_en' | 'workflow_iniciado_en' | 'cuenta_id' | 'api_token_id'
>;

/** The case's plazos: the document type's plazo de atención over the configured defaults. */
export async function plazosFor(db: Knex, config: Config, tipoDocumento: string, atencionDias?: number | null) {
  const dias = atencionDias ?? (await TipoDocumento.query(db).findById(tipoDocumento).select('plazo_atencion_dias'))?.plazo_atencion_dias;
  return { ...config.plazos, atencion: dias ?? config.plazos.atencion };
}

/** Starts the case's workflow if it is not running yet; true once Temporal has it. */
export async function ensureWorkflow(db: Knex, client: Client, config: Config, row: ParaIniciar, atencionDias?: number | null): Promise<boolean> {
  if (row.workflow_iniciado_en) return true;
  const input: ExpedienteInput = {
    numero: row.numero,
    presentante: { cuentaId: row.cuenta_id, apiTokenId: row.api_token_id },
    tipoDocumento: row.tipo_documento,
    presentadoEn: new Date(row.presentado_en).toISOString(),
    recibidoEn: new Date(row.recibido_en ?? row.presentado_en).toISOString(),
    unidad: row.unidad,
    plazos: await plazosFor(db, config, row.tipo_documento, atencionDias),
  };
  try {
    await client.connection.withDeadline(Date.now() + config.starts.waitMs, () =>
      client.workflow.start(WORKFLOW_TYPE, {
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
      }),
    );
  } catch (err) {
    // Already started and even finished: that is what we wanted.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      console.warn(`[web] no se pudo iniciar el workflow de ${row.numero}; se reintentará:`, (err as Error).message);
      return false;
    }
  }
  // Not recorded (the database blinked): the sweeper starts it again, which changes nothing.
  await markStarted(db)(row.id).catch((err: Error) => console.warn(`[web] no se registró el inicio del workflow de ${row.numero}:`, err.message));
  return true;
}

const markers = new WeakMap<Knex, (id: number) => Promise<void>>();

/**
 * Records that an expediente's workflow runs. Group commit: while one UPDATE is in flight, the
 * ids that arrive wait and go together in the next one, so a burst of filings costs a few
 * statements instead of one each, and a lone filing waits for nobody.
 */
function markStarted(db: Knex) {
  let mark = markers.get(db);
  if (!mark) {
    mark = groupCommit<number>(async (ids) => {
      await db('expedientes').whereIn('id', ids).whereNull('workflow_iniciado_en').update({ workflow_iniciado_en: db.fn.now() });
    });
    markers.set(db, mark);
  }
  return mark;
}

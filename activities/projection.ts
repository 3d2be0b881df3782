// Writes the workflow's transitions into the PostgreSQL read model, idempotently: the history
// row is keyed by (expediente, secuencia) and the case row only moves forward.
import type { Knex } from 'knex';
import { log } from '@temporalio/activity';

export interface TransitionRecord {
  numero: string;
  secuencia: number;
  accion: string;
  estadoAnterior: string | null;
  estadoNuevo: string;
  actor: string;
  unidad: string | null;
  recibido?: boolean;
  nota: string | null;
  ocurridoEn: string;
  documentos?: unknown[];
}

export function createProjectionActivities(db: Knex) {
  return {
    async recordTransition(r: TransitionRecord): Promise<void> {
      await db.transaction(async (trx) => {
        const exp = await trx('expedientes').where({ numero: r.numero }).first('id');
        if (!exp) throw new Error(`Expediente ${r.numero} no existe en el modelo de lectura`);
        const inserted = await trx('historial')
          .insert({
            expediente_id: exp.id,
            secuencia: r.secuencia,
            accion: r.accion,
            estado_anterior: r.estadoAnterior,
            estado_nuevo: r.estadoNuevo,
            actor: r.actor,
            unidad: r.unidad,
            nota: r.nota,
            documentos: JSON.stringify(r.documentos ?? []),
            ocurrido_en: r.ocurridoEn,
          })
          .onConflict(['expediente_id', 'secuencia'])
          .ignore()
          .returning('id');
        if (inserted.length === 0) log.info('transition already recorded', { numero: r.numero, secuencia: r.secuencia });
        await trx('expedientes')
          .where('id', exp.id)
          .andWhere('ultima_secuencia', '<', r.secuencia)
          .update({
            estado: r.estadoNuevo,
            unidad: r.unidad,
            recibido: r.recibido ?? false,
            ultima_secuencia: r.secuencia,
            updated_at: trx.fn.now(),
          });
      });
    },
  };
}

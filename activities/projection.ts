// Writes the workflow's transitions into the PostgreSQL read model, idempotently: the history
// row is keyed by (expediente, secuencia) and the case row only moves forward. The documents an
// action uploaded and the data it changed are written with its history row, in one transaction:
// an action exists in the read model entirely or not at all.
import type { Knex } from 'knex';
import { log } from '@temporalio/activity';
import type { Adjunto, CambiosExpediente, DocRef } from '../workflows/definitions';

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
  documentos?: Adjunto[];
  cambios?: CambiosExpediente;
  /** A step that leaves the case as it was (an escrito): the trays' last action (updated_at) stays. */
  keepsLastAction?: boolean;
}

const isRecorded = (d: Adjunto): d is DocRef => 'id' in d;

export function createProjectionActivities(db: Knex) {
  return {
    /** Records the transition; returns its documents as recorded (with their ids). */
    async recordTransition(r: TransitionRecord): Promise<DocRef[]> {
      return db.transaction(async (trx) => {
        const exp = await trx('expedientes').where({ numero: r.numero }).first('id');
        if (!exp) throw new Error(`Expediente ${r.numero} no existe en el modelo de lectura`);
        const step = await recordStep(trx, exp.id, r);
        if (!step.inserted) return step.documentos;
        if (r.cambios && Object.keys(r.cambios).length) await trx('expedientes').where('id', exp.id).update(r.cambios);
        await trx('expedientes')
          .where('id', exp.id)
          .andWhere('ultima_secuencia', '<', r.secuencia)
          .update({
            estado: r.estadoNuevo,
            unidad: r.unidad,
            recibido: r.recibido ?? false,
            ultima_secuencia: r.secuencia,
            ...(r.keepsLastAction ? {} : { updated_at: trx.fn.now() }),
          });
        return step.documentos;
      });
    },
  };
}

/**
 * Writes a step of the seguimiento with the documents it uploaded. The history row goes first: a
 * second try of the same step stops there (`inserted` false) and answers what the first recorded.
 */
export async function recordStep(trx: Knex.Transaction, expedienteId: number, r: TransitionRecord): Promise<{ inserted: boolean; documentos: DocRef[] }> {
  const inserted = await trx('historial')
    .insert({
      expediente_id: expedienteId,
      secuencia: r.secuencia,
      accion: r.accion,
      estado_anterior: r.estadoAnterior,
      estado_nuevo: r.estadoNuevo,
      actor: r.actor,
      unidad: r.unidad,
      nota: r.nota,
      documentos: '[]',
      ocurrido_en: r.ocurridoEn,
    })
    .onConflict(['expediente_id', 'secuencia'])
    .ignore()
    .returning('id');
  if (inserted.length === 0) {
    log.info('transition already recorded', { numero: r.numero, secuencia: r.secuencia });
    const h = await trx('historial').where({ expediente_id: expedienteId, secuencia: r.secuencia }).first('documentos');
    return { inserted: false, documentos: h.documentos as DocRef[] };
  }
  const documentos: DocRef[] = [];
  for (const d of r.documentos ?? []) {
    if (isRecorded(d)) {
      documentos.push(d);
      continue;
    }
    const [row] = await trx('documentos')
      .insert({
        expediente_id: expedienteId,
        rol: d.rol,
        nombre: d.nombre,
        sha256: d.sha256,
        bytes: d.bytes,
        mime: d.mime,
        paginas: d.paginas,
        subido_por: d.subidoPor,
        subido_en: d.subidoEn,
      })
      .returning(['id', 'nombre', 'sha256']);
    documentos.push({ id: Number(row.id), nombre: row.nombre, sha256: row.sha256 });
  }
  await trx('historial').where({ id: inserted[0].id }).update({ documentos: JSON.stringify(documentos) });
  return { inserted: true, documentos };
}

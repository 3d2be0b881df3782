// Admin-entered non-working days. Adding or removing one queues, in its transaction, a notice to
// the running expedientes whose deadline it can move (services/calendario.ts tells them at once,
// or the sweeper later); each change writes an audit row.
import type { Knex } from 'knex';
import { UniqueViolationError } from 'objection';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError, notFound } from '../errors';
import { parse, text } from '../validation';
import { deliverCalendarNotice } from '../calendario';
import type { CuentaPrincipal } from '../../domain/principal';
import { isValidDay } from '../../domain/calendar';
import { recordAudit } from '../../lib/audit';
import { AvisoCalendario, DiaNoLaborable } from '../../lib/models';

/** Records, in the change's transaction, that the running cases must be told (see deliverCalendarNotice). */
async function queueCalendarNotice(trx: Knex, fecha: string, now: Date): Promise<number> {
  const aviso = await AvisoCalendario.query(trx).insert({ fecha, creado_en: now }).returning('id');
  return aviso.id;
}

/** What a calendar change answers: how many cases were told now, or that they will be. */
async function told(deps: AppDeps, aviso: { id: number; fecha: string }) {
  const n = await deliverCalendarNotice(deps.db, deps.temporal, aviso);
  return { expedientesRecalculados: n, recalculoPendiente: n === null };
}

const fecha = z.string({ error: 'Indique la fecha (AAAA-MM-DD).' }).refine(isValidDay, 'La fecha debe ser un día válido AAAA-MM-DD.');
const nuevoDia = z.object({ fecha, descripcion: text('la descripción', 3, 200) });

export interface DiaNoLaborableVista {
  fecha: string;
  descripcion: string;
}

export async function listDiasNoLaborables(deps: Pick<AppDeps, 'db'>): Promise<DiaNoLaborableVista[]> {
  const dias = await DiaNoLaborable.query(deps.db).orderBy('fecha').select('fecha', 'descripcion');
  return dias.map(({ fecha, descripcion }) => ({ fecha, descripcion }));
}

export async function addDiaNoLaborable(deps: AppDeps, p: CuentaPrincipal, input: unknown) {
  const d = parse(nuevoDia, input);
  const aviso = await deps.db
    .transaction(async (trx) => {
      await DiaNoLaborable.query(trx).insert({ fecha: d.fecha, descripcion: d.descripcion, creado_por: p.cuentaId, creado_en: deps.clock.now() });
      await recordAudit(trx, { cuentaId: p.cuentaId, entidad: 'dia_no_laborable', clave: d.fecha, accion: 'CREAR', despues: d, en: deps.clock.now() });
      return queueCalendarNotice(trx, d.fecha, deps.clock.now());
    })
    .catch((err: unknown) => {
      if (err instanceof UniqueViolationError) throw new AppError(409, 'YA_EXISTE', `El ${d.fecha} ya está registrado como día no laborable.`, 'fecha');
      throw err;
    });
  return { fecha: d.fecha, descripcion: d.descripcion, ...(await told(deps, { id: aviso, fecha: d.fecha })) };
}

export async function removeDiaNoLaborable(deps: AppDeps, p: CuentaPrincipal, dia: unknown) {
  const f = parse(z.object({ fecha }), { fecha: dia }).fecha;
  const aviso = await deps.db.transaction(async (trx) => {
    const [row] = await DiaNoLaborable.query(trx).where({ fecha: f }).delete().returning(['fecha', 'descripcion']);
    if (!row) throw notFound('Ese día no está registrado como no laborable.');
    await recordAudit(trx, { cuentaId: p.cuentaId, entidad: 'dia_no_laborable', clave: f, accion: 'ELIMINAR', antes: { fecha: row.fecha, descripcion: row.descripcion }, en: deps.clock.now() });
    return queueCalendarNotice(trx, f, deps.clock.now());
  });
  return { fecha: f, ...(await told(deps, { id: aviso, fecha: f })) };
}

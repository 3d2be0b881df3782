// Admin-entered non-working days. Adding or removing one tells every running expediente whose
// deadline it can move, so its timer is computed again on the new calendar. The same functions
// serve the JSON API (below) and the /admin/calendario page; each change writes an audit row.
import Router from '@koa/router';
import { z } from 'zod';
import type { AppDeps } from './app';
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { HttpError, unavailableError } from './errors';
import { bodyOf, parse, text } from './validation';
import { requireRole } from './auth/roles';
import { isValidDay, limaInstant } from '../domain/calendar';
import { recordAudit } from '../lib/audit';
import { WORKFLOW_TYPE, calendarioSignal } from '../workflows/definitions';

/** Signals the running cases whose deadline falls on or after `fecha`; returns how many. */
async function notifyCalendarChange(temporal: Client, fecha: string) {
  const since = limaInstant(fecha, '00:00').toISOString();
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND VenceEn >= '${since}'`;
  let n = 0;
  for await (const wf of temporal.workflow.list({ query })) {
    await temporal.workflow.getHandle(wf.workflowId).signal(calendarioSignal);
    n += 1;
  }
  return n;
}

/** Records, in the change's transaction, that the running cases must be told (see deliverCalendarNotice). */
async function queueCalendarNotice(trx: Knex, fecha: string, now: Date): Promise<number> {
  const [row] = await trx('avisos_calendario').insert({ fecha, creado_en: now }).returning('id');
  return Number(row.id);
}

/**
 * Tells the running cases of a queued notice and marks it done; a signal told twice only
 * recomputes a deadline again. Temporal out of reach: null, and the sweeper tells them later.
 */
export async function deliverCalendarNotice(db: Knex, temporal: Client, aviso: { id: number; fecha: string }): Promise<number | null> {
  try {
    const n = await notifyCalendarChange(temporal, aviso.fecha);
    await db('avisos_calendario').where({ id: aviso.id }).update({ avisado_en: new Date() });
    return n;
  } catch (err) {
    if (unavailableError(err)) return null;
    throw err;
  }
}

/** What a calendar change answers: how many cases were told now, or that they will be. */
async function told(deps: AppDeps, aviso: { id: number; fecha: string }) {
  const n = await deliverCalendarNotice(deps.db, deps.temporal, aviso);
  return { expedientesRecalculados: n, recalculoPendiente: n === null };
}

const fecha = z.string({ error: 'Indique la fecha (AAAA-MM-DD).' }).refine(isValidDay, 'La fecha debe ser un día válido AAAA-MM-DD.');
const nuevoDia = z.object({ fecha, descripcion: text('la descripción', 3, 200) });

export async function listDiasNoLaborables(deps: AppDeps): Promise<{ fecha: string; descripcion: string }[]> {
  return deps.db('dias_no_laborables').orderBy('fecha').select('fecha', 'descripcion');
}

export async function addDiaNoLaborable(deps: AppDeps, input: unknown, cuentaId: number) {
  const d = parse(nuevoDia, input);
  const aviso = await deps.db.transaction(async (trx) => {
    const rows = await trx('dias_no_laborables')
      .insert({ fecha: d.fecha, descripcion: d.descripcion, creado_por: cuentaId, creado_en: deps.clock.now() })
      .onConflict('fecha')
      .ignore()
      .returning('fecha');
    if (!rows.length) return undefined;
    await recordAudit(trx, { cuentaId, entidad: 'dia_no_laborable', clave: d.fecha, accion: 'CREAR', despues: d, en: deps.clock.now() });
    return queueCalendarNotice(trx, d.fecha, deps.clock.now());
  });
  if (aviso === undefined) throw new HttpError(409, 'YA_EXISTE', `El ${d.fecha} ya está registrado como día no laborable.`, 'fecha');
  return { fecha: d.fecha, descripcion: d.descripcion, ...(await told(deps, { id: aviso, fecha: d.fecha })) };
}

export async function removeDiaNoLaborable(deps: AppDeps, dia: unknown, cuentaId: number) {
  const f = parse(z.object({ fecha }), { fecha: dia }).fecha;
  const aviso = await deps.db.transaction(async (trx) => {
    const [row] = await trx('dias_no_laborables').where({ fecha: f }).del().returning(['fecha', 'descripcion']);
    if (!row) throw new HttpError(404, 'NO_ENCONTRADO', 'Ese día no está registrado como no laborable.');
    await recordAudit(trx, { cuentaId, entidad: 'dia_no_laborable', clave: f, accion: 'ELIMINAR', antes: row, en: deps.clock.now() });
    return queueCalendarNotice(trx, f, deps.clock.now());
  });
  return { fecha: f, ...(await told(deps, { id: aviso, fecha: f })) };
}

export function calendarioAdminRouter(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1/admin' });

  r.get('/dias-no-laborables', async (ctx) => {
    requireRole(ctx, 'admin', 'supervisor');
    ctx.body = { dias: await listDiasNoLaborables(deps) };
  });

  r.post('/dias-no-laborables', async (ctx) => {
    const p = requireRole(ctx, 'admin');
    ctx.status = 201;
    ctx.body = await addDiaNoLaborable(deps, bodyOf(ctx), p.cuentaId);
  });

  r.delete('/dias-no-laborables/:fecha', async (ctx) => {
    const p = requireRole(ctx, 'admin');
    ctx.body = await removeDiaNoLaborable(deps, ctx.params.fecha, p.cuentaId);
  });

  return r;
}

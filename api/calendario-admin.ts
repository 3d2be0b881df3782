// Admin-entered non-working days. Adding or removing one tells every running expediente whose
// deadline it can move, so its timer is computed again on the new calendar. The same functions
// serve the JSON API (below) and the /admin/calendario page; each change writes an audit row.
import Router from '@koa/router';
import { z } from 'zod';
import type { AppDeps } from './app';
import { HttpError } from './errors';
import { bodyOf, parse, text } from './validation';
import { requireRole } from './auth/roles';
import { isValidDay, limaInstant } from '../domain/calendar';
import { recordAudit } from '../lib/audit';
import { WORKFLOW_TYPE, calendarioSignal } from '../workflows/definitions';

/** Signals the running cases whose deadline falls on or after `fecha`; returns how many. */
export async function notifyCalendarChange(deps: AppDeps, fecha: string) {
  const since = limaInstant(fecha, '00:00').toISOString();
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND VenceEn >= '${since}'`;
  let n = 0;
  for await (const wf of deps.temporal.workflow.list({ query })) {
    await deps.temporal.workflow.getHandle(wf.workflowId).signal(calendarioSignal);
    n += 1;
  }
  return n;
}

const fecha = z.string({ error: 'Indique la fecha (AAAA-MM-DD).' }).refine(isValidDay, 'La fecha debe ser un día válido AAAA-MM-DD.');
const nuevoDia = z.object({ fecha, descripcion: text('la descripción', 3, 200) });

export async function listDiasNoLaborables(deps: AppDeps): Promise<{ fecha: string; descripcion: string }[]> {
  return deps.db('dias_no_laborables').orderBy('fecha').select('fecha', 'descripcion');
}

export async function addDiaNoLaborable(deps: AppDeps, input: unknown, cuentaId: number) {
  const d = parse(nuevoDia, input);
  const inserted = await deps.db.transaction(async (trx) => {
    const rows = await trx('dias_no_laborables')
      .insert({ fecha: d.fecha, descripcion: d.descripcion, creado_por: cuentaId, creado_en: deps.clock.now() })
      .onConflict('fecha')
      .ignore()
      .returning('fecha');
    if (rows.length) await recordAudit(trx, { cuentaId, entidad: 'dia_no_laborable', clave: d.fecha, accion: 'CREAR', despues: d, en: deps.clock.now() });
    return rows.length > 0;
  });
  if (!inserted) throw new HttpError(409, 'YA_EXISTE', `El ${d.fecha} ya está registrado como día no laborable.`, 'fecha');
  return { fecha: d.fecha, descripcion: d.descripcion, expedientesRecalculados: await notifyCalendarChange(deps, d.fecha) };
}

export async function removeDiaNoLaborable(deps: AppDeps, dia: unknown, cuentaId: number) {
  const f = parse(z.object({ fecha }), { fecha: dia }).fecha;
  await deps.db.transaction(async (trx) => {
    const [row] = await trx('dias_no_laborables').where({ fecha: f }).del().returning(['fecha', 'descripcion']);
    if (!row) throw new HttpError(404, 'NO_ENCONTRADO', 'Ese día no está registrado como no laborable.');
    await recordAudit(trx, { cuentaId, entidad: 'dia_no_laborable', clave: f, accion: 'ELIMINAR', antes: row, en: deps.clock.now() });
  });
  return { fecha: f, expedientesRecalculados: await notifyCalendarChange(deps, f) };
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

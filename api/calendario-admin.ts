// Admin-entered non-working days. Adding or removing one tells every running expediente whose
// deadline it can move, so its timer is computed again on the new calendar.
import Router from '@koa/router';
import { z } from 'zod';
import type { AppDeps } from './app';
import { HttpError } from './errors';
import { bodyOf, parse, text } from './validation';
import { requireRole } from './auth/roles';
import { isValidDay, limaInstant } from '../domain/calendar';
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

export function calendarioAdminRouter(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1/admin' });
  const fecha = z.string({ error: 'Indique la fecha (AAAA-MM-DD).' }).refine(isValidDay, 'La fecha debe ser un día válido AAAA-MM-DD.');

  r.get('/dias-no-laborables', async (ctx) => {
    requireRole(ctx, 'admin', 'supervisor');
    ctx.body = { dias: await deps.db('dias_no_laborables').orderBy('fecha').select('fecha', 'descripcion') };
  });

  r.post('/dias-no-laborables', async (ctx) => {
    const p = requireRole(ctx, 'admin');
    const d = parse(z.object({ fecha, descripcion: text('la descripción', 3, 200) }), bodyOf(ctx));
    const inserted = await deps.db('dias_no_laborables')
      .insert({ fecha: d.fecha, descripcion: d.descripcion, creado_por: p.cuentaId })
      .onConflict('fecha')
      .ignore()
      .returning('fecha');
    if (!inserted.length) throw new HttpError(409, 'YA_EXISTE', `El ${d.fecha} ya está registrado como día no laborable.`);
    const expedientes = await notifyCalendarChange(deps, d.fecha);
    ctx.status = 201;
    ctx.body = { fecha: d.fecha, descripcion: d.descripcion, expedientesRecalculados: expedientes };
  });

  r.delete('/dias-no-laborables/:fecha', async (ctx) => {
    requireRole(ctx, 'admin');
    const f = parse(z.object({ fecha }), ctx.params).fecha;
    const n = await deps.db('dias_no_laborables').where({ fecha: f }).del();
    if (!n) throw new HttpError(404, 'NO_ENCONTRADO', 'Ese día no está registrado como no laborable.');
    ctx.body = { fecha: f, expedientesRecalculados: await notifyCalendarChange(deps, f) };
  });

  return r;
}

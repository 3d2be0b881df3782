// The business calendar: what it says of a filing instant and a plazo (public reads), and telling
// the running cases of a change: a non-working day added or removed can move their deadlines, so
// each recomputes its timer. A change is queued in its transaction (services/admin/calendario.ts) and
// told at once or, with Temporal out of reach, by the sweeper later.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { formatInstant, limaInstant } from '../domain/calendar';
import { AvisoCalendario } from '../lib/models';
import { databaseUnreachable, temporalUnreachable } from '../lib/unreachable';
import type { AppDeps } from './deps';
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

/**
 * Tells the running cases of a queued notice and marks it done; a signal told twice only
 * recomputes a deadline again. Temporal out of reach: null, and the sweeper tells them later.
 */
export async function deliverCalendarNotice(db: Knex, temporal: Client, aviso: { id: number; fecha: string }): Promise<number | null> {
  try {
    const n = await notifyCalendarChange(temporal, aviso.fecha);
    await AvisoCalendario.query(db).findById(aviso.id).patch({ avisado_en: new Date() });
    return n;
  } catch (err) {
    if (temporalUnreachable(err) || databaseUnreachable(err)) return null;
    throw err;
  }
}

/** The legal filing date and the reception instant of something sent at `en` (Ley 31465). */
export async function presentacionEn(deps: AppDeps, en: Date): Promise<{ presentacion: string; recepcion: string }> {
  const r = await deps.calendar.presentacion(en);
  return { presentacion: r.presentacion, recepcion: formatInstant(r.recepcion) };
}

/** When a plazo of `dias` business days counted from `desde` starts and ends. */
export async function plazoDesde(deps: AppDeps, desde: Date, dias: number): Promise<{ inicio: string; vence: string }> {
  const p = await deps.calendar.plazo(desde, dias);
  return { inicio: p.inicio, vence: formatInstant(p.vence) };
}

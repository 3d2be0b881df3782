// Every few seconds, starts the workflows that Temporal did not take when their event happened
// (a filing, a mail) or whose process ended before it started them, and tells running cases of a
// calendar change they missed: the row was committed, so nothing is lost, only delayed.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import { ensureWorkflow, type ExpedienteRow } from './expedientes';
import { startMailDelivery } from './mail';
import { deliverCalendarNotice } from './calendario-admin';

export function startSweeper(db: Knex, client: Client, config: Config, everyMs = 5000) {
  let running = false;
  const olderThan = (seconds: number) => db.raw('now() - make_interval(secs => ?)', [seconds]);
  // A web process may hold a filing's start back during a burst, up to INICIO_DIFERIDO_MAX_SEGUNDOS
  // (api/starter.ts): only a filing older than that has lost its start.
  const filingGrace = config.starts.maxDelayMs / 1000 + 2;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const filings: ExpedienteRow[] = await db('expedientes')
        .whereNull('workflow_iniciado_en')
        .andWhere('presentado_en', '<', olderThan(filingGrace))
        .orderBy('presentado_en')
        .limit(100);
      for (const row of filings) if (!(await ensureWorkflow(db, client, config, row))) break;
      const mails: { id: number }[] = await db('correos')
        .whereNull('workflow_iniciado_en')
        .andWhere('creado_en', '<', olderThan(2))
        .orderBy('id')
        .limit(100)
        .select('id');
      for (const { id } of mails) if (!(await startMailDelivery(db, client, config, id))) break;
      // Calendar changes whose cases could not be told when they were made (Temporal was down).
      const avisos: { id: number; fecha: string }[] = await db('avisos_calendario')
        .whereNull('avisado_en')
        .andWhere('creado_en', '<', olderThan(2))
        .orderBy('id')
        .limit(20)
        .select('id', db.raw("to_char(fecha, 'YYYY-MM-DD') as fecha"));
      for (const aviso of avisos) if ((await deliverCalendarNotice(db, client, aviso)) === null) break;
    } catch (err) {
      console.warn('[web] barrido de pendientes falló:', (err as Error).message);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}

// Every few seconds, starts the workflows that Temporal did not take when their event happened
// (a filing, a mail) or whose process ended before it started them, and tells running cases of a
// calendar change they missed: the row was committed, so nothing is lost, only delayed.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import { AvisoCalendario, Correo, Expediente } from '../lib/models';
import { ensureWorkflow } from './expedientes/workflow';
import { startMailDelivery } from './mail';
import { deliverCalendarNotice } from './calendario';

const OLDER_THAN = (column: string) => `${column} < now() - make_interval(secs => ?)`;

export function startSweeper(db: Knex, client: Client, config: Config, everyMs = 5000) {
  let running = false;
  // A web process may hold a filing's start back during a burst, up to INICIO_DIFERIDO_MAX_SEGUNDOS
  // (services/starter.ts): only a filing older than that has lost its start.
  const filingGrace = config.starts.maxDelayMs / 1000 + 2;
  const sweep = async () => {
    const filings = await Expediente.query(db).modify('sinWorkflow').whereRaw(OLDER_THAN('presentado_en'), [filingGrace]).orderBy('presentado_en').limit(100);
    for (const row of filings) if (!(await ensureWorkflow(db, client, config, row))) break;
    const mails = await Correo.query(db).whereNull('workflow_iniciado_en').whereRaw(OLDER_THAN('creado_en'), [2]).orderBy('id').limit(100).select('id');
    for (const { id } of mails) if (!(await startMailDelivery(db, client, config, id))) break;
    // Calendar changes whose cases could not be told when they were made (Temporal was down).
    const avisos = await AvisoCalendario.query(db).whereNull('avisado_en').whereRaw(OLDER_THAN('creado_en'), [2]).orderBy('id').limit(20).select('id', 'fecha');
    for (const aviso of avisos) if ((await deliverCalendarNotice(db, client, aviso)) === null) break;
  };
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await sweep();
    } catch (err) {
      console.warn('[web] barrido de pendientes falló:', (err as Error).message);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}

// Side effects of the workflows, built over injected dependencies so tests can swap one real part
// for a recorded one.
import type { Knex } from 'knex';
import type { Mailer } from '../lib/mailer';
import type { Storage } from '../lib/storage';
import { createProjectionActivities } from './projection';
import { createMailActivities } from './mail';
import { createExpedienteActivities } from './expediente';
import { createCasillaActivities } from './casilla';
import { createEscritoActivities } from './escritos';
import { createAvisoActivities } from './avisos';
import type { Config } from '../lib/config';
import type { PdfRenderer } from '../lib/pdf';
import { dbCalendar, type BusinessCalendar } from '../lib/business-calendar';

export interface ActivityDeps {
  db: Knex;
  config: Config;
  storage: Storage;
  mailer?: Mailer;
  pdf?: PdfRenderer;
  /** The calendar in force; tests inject one whose días hábiles last seconds. */
  calendar?: BusinessCalendar;
}

export function createActivities(deps: ActivityDeps) {
  const calendar = deps.calendar ?? dbCalendar(deps.db, deps.config);
  return {
    ...createProjectionActivities(deps.db),
    ...createMailActivities(deps.db, deps.mailer, deps.storage),
    ...createExpedienteActivities({ ...deps, calendar }),
    ...createCasillaActivities({ ...deps, calendar }),
    ...createEscritoActivities(deps),
    ...createAvisoActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;

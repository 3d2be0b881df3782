// Side effects of the workflows, built over injected dependencies so tests can swap one real part
// for a recorded one.
import type { Knex } from 'knex';
import type { Mailer } from '../lib/mailer';
import type { Storage } from '../lib/storage';
import { createProjectionActivities } from './projection';
import { createMailActivities } from './mail';

export interface ActivityDeps {
  db: Knex;
  mailer?: Mailer;
  storage?: Storage;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createProjectionActivities(deps.db),
    ...createMailActivities(deps.db, deps.mailer, deps.storage),
  };
}

export type Activities = ReturnType<typeof createActivities>;

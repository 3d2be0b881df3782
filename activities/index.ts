// Side effects of the expediente workflow, built over injected dependencies so tests can swap
// one real part for a recorded one.
import type { Knex } from 'knex';
import { createProjectionActivities } from './projection';

export interface ActivityDeps {
  db: Knex;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createProjectionActivities(deps.db),
  };
}

export type Activities = ReturnType<typeof createActivities>;

import type { Knex } from 'knex';

// A change of the calendar (a non-working day added or removed) must reach every running case
// whose plazo it moves. The notice is written with the change, in its transaction, and marked
// once the cases were told: when Temporal is out of reach then, the sweeper tells them later.
export async function up(knex: Knex) {
  await knex.schema.createTable('avisos_calendario', (t) => {
    t.bigIncrements('id');
    t.date('fecha').notNullable(); // cases whose plazo ends on or after this day are told
    t.timestamp('creado_en', { useTz: true }).notNullable();
    t.timestamp('avisado_en', { useTz: true });
  });
  await knex.raw('create index avisos_calendario_pendientes on avisos_calendario (id) where avisado_en is null');
}

export async function down(knex: Knex) {
  await knex.schema.dropTable('avisos_calendario');
}

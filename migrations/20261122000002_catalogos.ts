import type { Knex } from 'knex';

export async function up(knex: Knex) {
  // Unidades orgánicas (offices), with a parent for the hierarchy.
  await knex.schema.createTable('unidades', (t) => {
    t.text('codigo').primary();
    t.text('nombre').notNullable();
    t.text('padre_codigo').references('unidades.codigo');
    t.boolean('es_mesa_partes').notNullable().defaultTo(false);
    t.boolean('activa').notNullable().defaultTo(true);
    t.timestamps(true, true);
  });
  await knex.schema.createTable('tipos_documento', (t) => {
    t.text('codigo').primary();
    t.text('nombre').notNullable();
    // Null: the installation's default office plazo applies.
    t.integer('plazo_atencion_dias');
    t.boolean('activo').notNullable().defaultTo(true);
    t.timestamps(true, true);
  });
}

export async function down(knex: Knex) {
  await knex.schema.dropTable('tipos_documento');
  await knex.schema.dropTable('unidades');
}

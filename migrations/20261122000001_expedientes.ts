import type { Knex } from 'knex';

export async function up(knex: Knex) {
  // One row per year: the last number handed out. Locked inside the filing transaction, so a
  // rolled-back filing returns its number and the sequence stays gapless.
  await knex.schema.createTable('expediente_counters', (t) => {
    t.integer('anio').primary();
    t.integer('ultimo').notNullable();
  });

  await knex.schema.createTable('expedientes', (t) => {
    t.bigIncrements('id');
    t.text('numero').notNullable().unique();
    t.integer('anio').notNullable();
    t.integer('correlativo').notNullable();
    t.unique(['anio', 'correlativo']);
    t.text('workflow_id').notNullable().unique();
    t.text('estado').notNullable();
    t.text('tipo_documento').notNullable();
    t.text('asunto').notNullable();
    t.text('remitente').notNullable();
    t.text('unidad');
    t.text('idempotency_key').unique();
    t.timestamp('presentado_en', { useTz: true }).notNullable();
    t.timestamp('workflow_iniciado_en', { useTz: true });
    t.integer('ultima_secuencia').notNullable().defaultTo(0);
    t.timestamp('vence_en', { useTz: true });
    t.boolean('vencido').notNullable().defaultTo(false);
    t.timestamps(true, true);
    t.index(['estado', 'presentado_en']);
  });
  // The sweeper looks only at filings whose workflow has not been started yet.
  await knex.raw(
    'create index expedientes_sin_workflow on expedientes (presentado_en) where workflow_iniciado_en is null',
  );

  // Append-only seguimiento: one row per transition, keyed by the workflow's own sequence number,
  // so a retried projection activity writes nothing twice.
  await knex.schema.createTable('historial', (t) => {
    t.bigIncrements('id');
    t.bigInteger('expediente_id').notNullable().references('expedientes.id').onDelete('CASCADE');
    t.integer('secuencia').notNullable();
    t.unique(['expediente_id', 'secuencia']);
    t.text('accion').notNullable();
    t.text('estado_anterior');
    t.text('estado_nuevo').notNullable();
    t.text('actor').notNullable();
    t.text('unidad');
    t.text('nota');
    t.jsonb('documentos').notNullable().defaultTo('[]');
    t.timestamp('ocurrido_en', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex) {
  await knex.schema.dropTable('historial');
  await knex.schema.dropTable('expedientes');
  await knex.schema.dropTable('expediente_counters');
}

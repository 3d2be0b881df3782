import type { Knex } from 'knex';

// Administration (issue #5): settings the admin changes at run time, and the audit trail of every
// administrative change. The office hierarchy already exists as unidades.padre_codigo.
export async function up(knex: Knex) {
  // One row per group of settings ('horario', 'limites'); a missing row means lib/config.ts applies.
  await knex.schema.createTable('ajustes', (t) => {
    t.text('clave').primary();
    t.jsonb('valor').notNullable();
    t.bigInteger('actualizado_por').references('cuentas.id');
    t.timestamp('actualizado_en', { useTz: true }).notNullable();
  });
  // Append-only: who changed what, when, and the values before and after.
  await knex.schema.createTable('auditoria', (t) => {
    t.bigIncrements('id');
    t.bigInteger('cuenta_id').references('cuentas.id');
    t.text('entidad').notNullable(); // unidad | tipo_documento | ajustes | dia_no_laborable | cuenta | api_token
    t.text('clave').notNullable(); // the changed row's key (office code, date, account id…)
    t.text('accion').notNullable(); // CREAR | EDITAR | ACTIVAR | DESACTIVAR | ELIMINAR
    t.jsonb('antes');
    t.jsonb('despues');
    t.timestamp('en', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['en']);
    t.index(['entidad', 'clave']);
  });
}

export async function down(knex: Knex) {
  await knex.schema.dropTable('auditoria');
  await knex.schema.dropTable('ajustes');
}

import type { Knex } from 'knex';

// Every citizen submission after the filing gets its own cargo (issue #14): each subsanación, and
// each escrito the filer adds to an existing case. One row per submission, tied to its step of
// the seguimiento; escritos are numbered per case (Escrito N.º 1, 2, …), and so are subsanaciones.
export async function up(knex: Knex) {
  await knex.schema.createTable('escritos', (t) => {
    t.bigIncrements('id');
    t.bigInteger('expediente_id').notNullable().references('expedientes.id').onDelete('CASCADE');
    t.text('tipo').notNullable(); // ESCRITO | SUBSANACION
    t.integer('numero').notNullable(); // per case and tipo
    t.unique(['expediente_id', 'tipo', 'numero']);
    t.integer('secuencia').notNullable(); // its step of the seguimiento (historial.secuencia)
    t.unique(['expediente_id', 'secuencia']);
    t.text('asunto').notNullable();
    t.text('contenido');
    t.bigInteger('cuenta_id').references('cuentas.id'); // the filer (null: a system)
    t.bigInteger('api_token_id').references('api_tokens.id');
    t.timestamp('presentado_en', { useTz: true }).notNullable();
    t.date('fecha_presentacion').notNullable(); // legal date (Ley 31465)
    t.timestamp('recibido_en', { useTz: true }).notNullable(); // office clock
    t.text('codigo_verificacion').notNullable().unique();
    t.text('idempotency_key').unique(); // scoped: case, account, token, key
    t.text('cargo_key'); // SHA-256 of the cargo PDF in storage, once printed
    t.bigInteger('correo_id').references('correos.id'); // the cargo's mail to the filer
    t.timestamp('creado_en', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.alterTable('expedientes', (t) => {
    // An escrito the office holding the case has not opened yet: the trays' «escrito nuevo».
    t.timestamp('escrito_nuevo_en', { useTz: true });
  });
}

export async function down(knex: Knex) {
  await knex.schema.alterTable('expedientes', (t) => {
    t.dropColumn('escrito_nuevo_en');
  });
  await knex.schema.dropTable('escritos');
}

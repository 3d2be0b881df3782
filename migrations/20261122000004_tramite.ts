import type { Knex } from 'knex';

export async function up(knex: Knex) {
  await knex.schema.alterTable('expedientes', (t) => {
    t.text('numero_documento'); // the filer's own document number, or S/N
    t.text('contenido');
    t.text('antecedente'); // an earlier expediente number
    t.text('destino'); // office (unidad) the filer addressed
    t.integer('folios');
    t.date('fecha_presentacion'); // legal date (Ley 31465)
    t.timestamp('recibido_en', { useTz: true }); // office clock: plazos of the entity run from here
    t.boolean('recibido').notNullable().defaultTo(false); // the current office took it
    t.text('clave_hash'); // tracking password, HMAC
    t.text('clave_pendiente'); // the password in clear until the cargo that prints it exists
    t.text('codigo_verificacion').unique();
    t.text('cargo_key'); // SHA-256 of the cargo PDF in storage
  });
  await knex.schema.createTable('documentos', (t) => {
    t.bigIncrements('id');
    t.bigInteger('expediente_id').notNullable().references('expedientes.id').onDelete('CASCADE');
    t.text('rol').notNullable(); // PRINCIPAL | ANEXO | SUBSANACION | RESPUESTA | CARGO
    t.text('nombre').notNullable();
    t.text('sha256').notNullable();
    t.bigInteger('bytes').notNullable();
    t.text('mime').notNullable();
    t.integer('paginas');
    t.bigInteger('subido_por').references('cuentas.id');
    t.timestamp('subido_en', { useTz: true }).notNullable();
    // Replaced by an `actualizar` while pending validation: kept for the audit trail, not shown.
    t.boolean('vigente').notNullable().defaultTo(true);
    t.index(['expediente_id']);
  });
  // Admin-entered non-working days (días no laborables, regional holidays, closures).
  await knex.schema.createTable('dias_no_laborables', (t) => {
    t.date('fecha').primary();
    t.text('descripcion').notNullable();
    t.bigInteger('creado_por').references('cuentas.id');
    t.timestamp('creado_en', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // What each verification code certifies (cargos now, constancias with the casilla).
  await knex.schema.createTable('verificaciones', (t) => {
    t.text('codigo').primary();
    t.text('tipo').notNullable(); // CARGO | CONSTANCIA
    t.bigInteger('expediente_id').notNullable().references('expedientes.id').onDelete('CASCADE');
    t.text('sha256'); // of the issued PDF
    t.timestamp('emitido_en', { useTz: true }).notNullable();
    t.jsonb('detalle').notNullable().defaultTo('{}');
  });
}

export async function down(knex: Knex) {
  await knex.schema.dropTable('verificaciones');
  await knex.schema.dropTable('dias_no_laborables');
  await knex.schema.dropTable('documentos');
  await knex.schema.alterTable('expedientes', (t) => {
    for (const c of ['numero_documento', 'contenido', 'antecedente', 'destino', 'folios', 'fecha_presentacion', 'recibido_en', 'recibido', 'clave_hash', 'clave_pendiente', 'codigo_verificacion', 'cargo_key']) {
      t.dropColumn(c);
    }
  });
}

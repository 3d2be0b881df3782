import type { Knex } from 'knex';

export async function up(knex: Knex) {
  // Casilla electrónica (Ley 31736): one row per notification deposited in a citizen's casilla.
  // `evento` makes the deposit idempotent: a retried activity finds the row it wrote.
  await knex.schema.createTable('notificaciones', (t) => {
    t.bigIncrements('id');
    t.bigInteger('expediente_id').notNullable().references('expedientes.id').onDelete('CASCADE');
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id'); // the addressee
    t.text('evento').notNullable().unique();
    t.text('tipo').notNullable(); // OBSERVACION | ATENCION | ARCHIVO | NOTIFICACION
    t.text('asunto').notNullable();
    t.text('unidad'); // issuing office (code)
    t.text('dependencia').notNullable(); // its name when the notification was issued
    t.text('emisor').notNullable(); // who signs it
    t.text('documento_tipo').notNullable();
    t.text('documento_numero').notNullable();
    t.text('detalle');
    t.timestamp('emitido_en', { useTz: true }).notNullable();
    t.timestamp('depositada_en', { useTz: true }).notNullable();
    // The plazo the notification starts (for example the subsanación), counted from the deposit.
    t.text('plazo_descripcion');
    t.date('plazo_inicio');
    t.timestamp('vence', { useTz: true });
    t.timestamp('leida_en', { useTz: true }); // acuse de lectura: set once, on first opening
    t.text('codigo_verificacion').notNullable().unique();
    t.text('constancia_sha256'); // the constancia PDF in storage, once printed
    t.timestamp('constancia_emitida_en', { useTz: true });
    t.bigInteger('correo_id').references('correos.id'); // the alert mail
    t.index(['cuenta_id', 'id']);
    t.index(['expediente_id']);
  });
  // "Pendientes por leer" and the unread badge in the header read only this.
  await knex.raw('create index notificaciones_no_leidas on notificaciones (cuenta_id, id) where leida_en is null');

  // The files a notification carries (principal first, then anexos).
  await knex.schema.createTable('notificacion_documentos', (t) => {
    t.bigInteger('notificacion_id').notNullable().references('notificaciones.id').onDelete('CASCADE');
    t.bigInteger('documento_id').notNullable().references('documentos.id').onDelete('CASCADE');
    t.integer('orden').notNullable();
    t.primary(['notificacion_id', 'documento_id']);
  });
}

export async function down(knex: Knex) {
  await knex.schema.dropTable('notificacion_documentos');
  await knex.schema.dropTable('notificaciones');
}

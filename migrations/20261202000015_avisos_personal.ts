import type { Knex } from 'knex';

// Staff are told when work arrives (issue #15): each person chooses how (cuentas.avisos), and the
// avisos of those who chose a daily digest wait here until it is sent at the next opening.
export async function up(knex: Knex) {
  await knex.schema.alterTable('cuentas', (t) => {
    t.text('avisos').notNullable().defaultTo('CADA_AVISO');
  });
  await knex.raw("alter table cuentas add constraint cuentas_avisos_check check (avisos in ('CADA_AVISO', 'RESUMEN_DIARIO', 'NINGUNO'))");
  await knex.schema.createTable('avisos_personal', (t) => {
    t.bigIncrements('id');
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id').onDelete('CASCADE');
    t.text('evento').notNullable(); // the event, as the mail of «Cada aviso» names it (without the person)
    t.unique(['cuenta_id', 'evento']); // one aviso per person and event, however often it is retried
    t.text('tipo').notNullable(); // DERIVACION | SUBSANACION | ESCRITO
    t.bigInteger('expediente_id').notNullable().references('expedientes.id').onDelete('CASCADE');
    t.text('numero').notNullable();
    t.text('asunto').notNullable();
    t.text('detalle'); // the proveído, the citizen's note, the escrito's title
    t.text('enlace').notNullable(); // the case's page
    t.text('bandeja'); // the tray it waits in
    t.timestamp('ocurrido_en', { useTz: true }).notNullable();
    t.timestamp('creado_en', { useTz: true }).notNullable();
    // Sent in the digest of `resumen_fecha` (a business day), by the mail `correo_id`.
    t.timestamp('enviado_en', { useTz: true });
    t.bigInteger('correo_id').references('correos.id');
    t.date('resumen_fecha');
    t.index(['resumen_fecha']);
  });
  await knex.raw("alter table avisos_personal add constraint avisos_personal_tipo_check check (tipo in ('DERIVACION', 'SUBSANACION', 'ESCRITO'))");
  await knex.raw('create index avisos_personal_pendientes on avisos_personal (cuenta_id, id) where enviado_en is null');
}

export async function down(knex: Knex) {
  await knex.schema.dropTable('avisos_personal');
  await knex.schema.alterTable('cuentas', (t) => {
    t.dropColumn('avisos');
  });
}

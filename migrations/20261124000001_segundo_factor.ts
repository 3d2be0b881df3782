import type { Knex } from 'knex';

export async function up(knex: Knex) {
  // An account's TOTP second factor. Pending until a first code confirms it; the secret is
  // sealed with APP_SECRET (lib/secrets.ts seal), never stored in clear.
  await knex.schema.createTable('segundos_factores', (t) => {
    t.bigInteger('cuenta_id').primary().references('cuentas.id').onDelete('CASCADE');
    t.text('secreto_cifrado').notNullable();
    t.timestamp('creado_en', { useTz: true }).notNullable();
    t.timestamp('confirmado_en', { useTz: true });
    // The last time step whose code was accepted: a code is good once, never again.
    t.bigInteger('ultimo_paso');
  });

  // Single-use recovery codes, only their SHA-256 kept.
  await knex.schema.createTable('codigos_recuperacion', (t) => {
    t.bigIncrements('id');
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id').onDelete('CASCADE');
    t.text('codigo_hash').notNullable();
    t.timestamp('usado_en', { useTz: true });
    t.unique(['cuenta_id', 'codigo_hash']);
  });

  // A login whose password was right and whose code is awaited: single use, short-lived.
  await knex.schema.createTable('desafios_segundo_factor', (t) => {
    t.text('id_hash').primary();
    t.bigInteger('cuenta_id').notNullable().references('cuentas.id').onDelete('CASCADE');
    t.timestamp('creado_en', { useTz: true }).notNullable();
    t.timestamp('expira_en', { useTz: true }).notNullable();
    t.integer('intentos').notNullable().defaultTo(0);
    t.index(['cuenta_id']);
  });
}

export async function down(knex: Knex) {
  for (const table of ['desafios_segundo_factor', 'codigos_recuperacion', 'segundos_factores']) {
    await knex.schema.dropTable(table);
  }
}

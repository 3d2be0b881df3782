import type { Knex } from 'knex';

// Mesa de partes' tray «Por validar» is read in the order of its deadline (what is due first comes
// first; a subsanado case's plazo runs again from its subsanación's reception): its page comes
// straight off this index, as every tray's does (20261123000001_bandejas_indices.ts).
export async function up(knex: Knex) {
  await knex.raw(`create index expedientes_bandeja_por_validar_plazo on expedientes (vence_en, id) where estado = 'PENDIENTE_VALIDACION'`);
}

export async function down(knex: Knex) {
  await knex.raw('drop index if exists expedientes_bandeja_por_validar_plazo');
}

import type { Knex } from 'knex';

// Indexes of the staff trays (api/bandejas.ts): every tray reads its page straight off one index,
// in its order, from the keyset cursor on. Each tray has a partial index holding only its own
// cases (and one led by the office for an office's view), so the planner never walks the whole
// table in date order hoping to meet the few cases in a state. Predicates are written exactly as
// the tray queries write them, so the planner matches them.
const ACTIVOS = "estado in ('PENDIENTE_VALIDACION', 'OBSERVADO', 'DERIVADO')";
const TRAYS: [name: string, predicate: string, order: string][] = [
  ['por_validar', "estado = 'PENDIENTE_VALIDACION'", 'recibido_en, id'],
  ['observados', "estado = 'OBSERVADO'", 'recibido_en, id'],
  ['por_recibir', "estado = 'DERIVADO' and not recibido", 'recibido_en, id'],
  ['en_proceso', "estado = 'DERIVADO' and recibido", 'recibido_en, id'],
  ['atendidos', "estado = 'ATENDIDO'", 'updated_at, id'],
  ['vencidos', `vencido and ${ACTIVOS}`, 'vence_en, id'],
  ['sin_accion', ACTIVOS, 'updated_at, id'],
];

const INDICES: [name: string, sql: string][] = [
  ...TRAYS.flatMap(([name, predicate, order]): [string, string][] => [
    [`expedientes_bandeja_${name}`, `on expedientes (${order}) where ${predicate}`],
    // Cases in reception have no office: por-validar needs no office-led index.
    ...(name === 'por_validar' ? [] : [[`expedientes_bandeja_${name}_unidad`, `on expedientes (unidad, ${order}) where ${predicate}`] as [string, string]]),
  ]),
  // todos: newest first, all offices, one office, or one state.
  ['expedientes_bandeja_todos', 'on expedientes (recibido_en, id)'],
  ['expedientes_bandeja_todos_unidad', 'on expedientes (unidad, recibido_en, id)'],
  ['expedientes_bandeja_todos_estado', 'on expedientes (estado, recibido_en, id)'],
  // An office sees the cases that passed through it (api/routes-expedientes.ts).
  ['historial_unidad', 'on historial (unidad, expediente_id)'],
];

export async function up(knex: Knex) {
  // Filings always have a fecha de recepción; rows from before it was recorded get their filing instant.
  await knex('expedientes').whereNull('recibido_en').update({ recibido_en: knex.ref('presentado_en') });
  for (const [name, sql] of INDICES) await knex.raw(`create index ${name} ${sql}`);
}

export async function down(knex: Knex) {
  for (const [name] of [...INDICES].reverse()) await knex.raw(`drop index if exists ${name}`);
}

// Settings the admin changes at run time (business hours, upload limits), stored in `ajustes` over
// the lib/config.ts defaults. Each process keeps them `config.settingsCacheMs`, so several web
// processes and workers converge within seconds; the process that saves forgets its copy at once.
import type { Knex } from 'knex';
import type { Config } from './config';

export interface Horario {
  inicio: string; // 'HH:MM', Lima time, Monday–Friday
  fin: string;
}

export interface Limites {
  principalMB: number;
  primerAnexoMB: number;
  anexoMB: number;
  anexos: number;
}

export interface Settings {
  horario: Horario;
  limites: Limites;
}

export type ClaveAjuste = keyof Settings;

/** What an admin may set: a limit outside these is refused with a message. */
export const BOUNDS = { mb: { min: 1, max: 100 }, anexos: { min: 0, max: 10 } } as const;

const MB = 1024 * 1024;

export function configDefaults(config: Config): Settings {
  const l = config.limits;
  return {
    horario: { inicio: config.calendar.opens, fin: config.calendar.closes },
    limites: { principalMB: l.principalBytes / MB, primerAnexoMB: l.firstAnexoBytes / MB, anexoMB: l.otherAnexoBytes / MB, anexos: l.maxAnexos },
  };
}

async function readSettings(db: Knex, config: Config): Promise<Settings> {
  const rows: { clave: string; valor: object }[] = await db('ajustes').select('clave', 'valor');
  const stored = new Map(rows.map((r) => [r.clave, r.valor]));
  const d = configDefaults(config);
  return {
    horario: { ...d.horario, ...(stored.get('horario') as Partial<Horario> | undefined) },
    limites: { ...d.limites, ...(stored.get('limites') as Partial<Limites> | undefined) },
  };
}

const cache = new WeakMap<Knex, { until: number; value: Promise<Settings> }>();

/** The effective settings: the admin's values where set, lib/config.ts otherwise. */
export function loadSettings(db: Knex, config: Config): Promise<Settings> {
  const hit = cache.get(db);
  if (hit && hit.until > Date.now()) return hit.value;
  const value = readSettings(db, config);
  const entry = { until: Date.now() + config.settingsCacheMs, value };
  cache.set(db, entry);
  // A failed read is not kept: the next call asks the database again.
  value.catch(() => cache.get(db) === entry && cache.delete(db));
  return value;
}

/** The upload limits in force, in the shape of `config.limits` (bytes). */
export async function effectiveLimits(db: Knex, config: Config): Promise<Config['limits']> {
  const { limites } = await loadSettings(db, config);
  return {
    ...config.limits,
    principalBytes: limites.principalMB * MB,
    firstAnexoBytes: limites.primerAnexoMB * MB,
    otherAnexoBytes: limites.anexoMB * MB,
    maxAnexos: limites.anexos,
  };
}

/** Stores one group inside the caller's transaction; call `forgetSettings` after it commits. */
export async function writeSetting<K extends ClaveAjuste>(trx: Knex, clave: K, valor: Settings[K], cuentaId: number, en: Date) {
  await trx('ajustes')
    .insert({ clave, valor: JSON.stringify(valor), actualizado_por: cuentaId, actualizado_en: en })
    .onConflict('clave')
    .merge();
}

export function forgetSettings(db: Knex) {
  cache.delete(db);
}

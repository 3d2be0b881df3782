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

/**
 * A value read from the database, kept `config.settingsCacheMs` per process (and per database,
 * for tests with several); `forget` makes the next `get` read it again. A failed read is not kept.
 */
export function dbCache<T>(read: (db: Knex, config: Config) => Promise<T>) {
  const entries = new WeakMap<Knex, { until: number; value: Promise<T> }>();
  return {
    get(db: Knex, config: Config): Promise<T> {
      const hit = entries.get(db);
      if (hit && hit.until > Date.now()) return hit.value;
      const entry = { until: Date.now() + config.settingsCacheMs, value: read(db, config) };
      entries.set(db, entry);
      entry.value.catch(() => entries.get(db) === entry && entries.delete(db));
      return entry.value;
    },
    forget(db: Knex) {
      entries.delete(db);
    },
  };
}

const settings = dbCache(readSettings);

/** The effective settings: the admin's values where set, lib/config.ts otherwise. */
export function loadSettings(db: Knex, config: Config): Promise<Settings> {
  return settings.get(db, config);
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
  settings.forget(db);
}

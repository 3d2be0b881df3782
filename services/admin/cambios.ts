// What every administrative change shares: the code and active-flag fields, the audit action a
// change amounts to, the refusals, and forgetting the filing's cached catalogue afterwards.
import { z } from 'zod';
import { AppError } from '../errors';
import type { AppDeps } from '../deps';
import type { Knex } from 'knex';
import { recordAudit, type AccionAuditada, type EntidadAuditada } from '../../lib/audit';
import { forgetCatalog } from '../expedientes/catalogos';

export const blank = (v: unknown) => (v === '' ? null : v);

export const codigo = z
  .string({ error: 'Ingrese el código.' })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,19}$/, 'El código debe tener de 1 a 20 caracteres: letras, números, guion o guion bajo, sin espacios.');

export const activo = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'Indique si está activo con true o false.' }));

export const sameAs = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

/** EDITAR, or ACTIVAR / DESACTIVAR when only the `flag` changed. */
export function accionDe(antes: Record<string, unknown>, despues: Record<string, unknown>, flag: string): AccionAuditada {
  const others = Object.keys(despues).some((k) => k !== flag && JSON.stringify(antes[k]) !== JSON.stringify(despues[k]));
  if (others || antes[flag] === despues[flag]) return 'EDITAR';
  return despues[flag] ? 'ACTIVAR' : 'DESACTIVAR';
}

/** Other rows' state forbids it now (children still active, the mesa de partes): 409, as clients expect. */
export const blocked = (message: string) => new AppError(409, 'NO_PERMITIDO', message);

/** Offices and types feed the filing's cached catalogue: this process reads it again at once. */
export async function catalogChange<T>(deps: Pick<AppDeps, 'db'>, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    forgetCatalog(deps.db);
  }
}

/**
 * Saves an edit of an office or a document type with its audit row, in the caller's transaction;
 * nothing at all when nothing changed. `antes`/`despues` are what the audit shows; `flag` the
 * active field (a change of it alone is ACTIVAR / DESACTIVAR).
 */
export async function saveAudited(
  trx: Knex,
  deps: Pick<AppDeps, 'clock'>,
  e: { cuentaId: number; entidad: EntidadAuditada; clave: string; antes: Record<string, unknown>; despues: Record<string, unknown>; flag: string },
  write: (now: Date) => PromiseLike<unknown>,
): Promise<boolean> {
  if (sameAs(e.antes, e.despues)) return false;
  const now = deps.clock.now();
  await write(now);
  await recordAudit(trx, { cuentaId: e.cuentaId, entidad: e.entidad, clave: e.clave, accion: accionDe(e.antes, e.despues, e.flag), antes: e.antes, despues: e.despues, en: now });
  return true;
}

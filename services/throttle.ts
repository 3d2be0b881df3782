// Fixed-window counters in PostgreSQL, shared by every web process (login, codes, public look-ups).
import type { Knex } from 'knex';
import { AppError } from './errors';
import { Limite } from '../lib/models';

export interface Limit {
  key: string;
  max: number;
  windowMs: number;
}

/** Counts one event; returns how long to wait (seconds) when the window is already full. */
export async function hit(db: Knex, { key, max, windowMs }: Limit, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - windowMs);
  // An upsert whose merge is SQL: clearer in knex than through the model.
  const [row] = await db<Pick<Limite, 'clave' | 'ventana_inicio' | 'conteo'>>('limites')
    .insert({ clave: key, ventana_inicio: now, conteo: 1 })
    .onConflict('clave')
    .merge({
      // A window that has run out starts again at 1.
      conteo: db.raw('case when limites.ventana_inicio <= ? then 1 else limites.conteo + 1 end', [cutoff]),
      ventana_inicio: db.raw('case when limites.ventana_inicio <= ? then ? else limites.ventana_inicio end', [cutoff, now]),
    })
    .returning(['conteo', 'ventana_inicio']);
  if (row.conteo <= max) return 0;
  return Math.max(1, Math.ceil((new Date(row.ventana_inicio).getTime() + windowMs - now.getTime()) / 1000));
}

/** Seconds to wait if the window is full, without counting an event. */
export async function blockedFor(db: Knex, { key, max, windowMs }: Limit, now: Date): Promise<number> {
  const row = await Limite.query(db).findById(key);
  if (!row) return 0;
  const ends = new Date(row.ventana_inicio).getTime() + windowMs;
  if (ends <= now.getTime() || row.conteo < max) return 0;
  return Math.max(1, Math.ceil((ends - now.getTime()) / 1000));
}

export const clear = (db: Knex, key: string) => Limite.query(db).deleteById(key);

export function waitMessage(seconds: number) {
  if (seconds < 90) return `${seconds} segundos`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minutos`;
}

export function tooMany(seconds: number, what = 'Demasiados intentos.') {
  return new AppError(429, 'DEMASIADOS_INTENTOS', `${what} Intente nuevamente en ${waitMessage(seconds)}.`, undefined, seconds);
}

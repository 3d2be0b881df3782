// The business calendar in force: DESIGN.md "Legal time" rules (domain/calendar.ts) with the
// admin's business hours (lib/settings.ts) and non-working days. Tests swap in a fast calendar.
import type { Knex } from 'knex';
import {
  businessDaysUntil,
  fechasDePresentacion,
  plazo,
  type CalendarSettings,
} from '../domain/calendar';
import type { Config } from './config';
import { loadSettings } from './settings';

export interface BusinessCalendar {
  presentacion(en: Date): Promise<{ presentacion: string; recepcion: Date }>;
  plazo(desde: Date, dias: number): Promise<{ inicio: string; vence: Date }>;
  /** Business days that have run from `desde`'s day (exclusive) to `hasta`'s day (inclusive). */
  elapsed(desde: Date, hasta: Date): Promise<number>;
}

export async function calendarSettings(db: Knex, config: Config): Promise<CalendarSettings> {
  // Non-working days are read every time: one just added must move plazos at once.
  const [rows, { horario }] = await Promise.all([db('dias_no_laborables').select<{ fecha: string }[]>('fecha'), loadSettings(db, config)]);
  return { opens: horario.inicio, closes: horario.fin, nonWorkingDays: rows.map((r) => r.fecha) };
}

export function dbCalendar(db: Knex, config: Config): BusinessCalendar {
  return {
    async presentacion(en) {
      return fechasDePresentacion(en, await calendarSettings(db, config));
    },
    async plazo(desde, dias) {
      return plazo(desde, dias, await calendarSettings(db, config));
    },
    async elapsed(desde, hasta) {
      return Math.max(0, businessDaysUntil(desde, hasta, await calendarSettings(db, config)));
    },
  };
}

/** For workflow tests: every day is a business day lasting `msPerDay`, reception is immediate. */
export function fastCalendar(msPerDay: number): BusinessCalendar {
  return {
    async presentacion(en) {
      return { presentacion: en.toISOString().slice(0, 10), recepcion: en };
    },
    async plazo(desde, dias) {
      return { inicio: desde.toISOString().slice(0, 10), vence: new Date(desde.getTime() + dias * msPerDay) };
    },
    async elapsed(desde, hasta) {
      return Math.floor((hasta.getTime() - desde.getTime()) / msPerDay);
    },
  };
}

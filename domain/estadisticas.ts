// The supervisor's statistics (services/bandejas/tablero.ts): median and percentile of attention
// times, the share attended within plazo, Lima weeks, and días hábiles counted for many cases at once.
// PURE: no I/O, no clock.
import { addDays, isBusinessDay, type CalendarSettings } from './calendar';

const ordenados = (xs: readonly number[]) => [...xs].sort((a, b) => a - b);

/** The middle value (the mean of the two middle ones for an even count); null without values. */
export function mediana(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = ordenados(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The p-th percentile by nearest rank: the smallest value with at least p % of the values at or
 * below it (a value that occurred: for días hábiles, a whole number). Null without values.
 */
export function percentil(xs: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`Percentil inválido: ${p}`);
  if (xs.length === 0) return null;
  const s = ordenados(xs);
  return s[Math.ceil((p / 100) * s.length) - 1];
}

/** `parte` of `total` as a fraction from 0 to 1; null when there is nothing to divide. */
export function proporcion(parte: number, total: number): number | null {
  if (total <= 0) return null;
  return parte / total;
}

/** How an office's attentions went over a period. */
export interface ResumenAtencion {
  /** Cases attended in the period. */
  atendidos: number;
  /** Días hábiles from reception to attention: median and 90th percentile. */
  mediana: number | null;
  p90: number | null;
  /** Attended with a plazo on record. */
  conPlazo: number;
  /** Share of those attended on or before their plazo (0–1). */
  dentroDelPlazo: number | null;
}

/** One attention: its días hábiles from reception, and whether it met its plazo (null: none recorded). */
export interface Atencion {
  dias: number;
  aTiempo: boolean | null;
}

export function resumenAtencion(atenciones: readonly Atencion[]): ResumenAtencion {
  const dias = atenciones.map((a) => a.dias);
  const conPlazo = atenciones.filter((a) => a.aTiempo !== null);
  return {
    atendidos: atenciones.length,
    mediana: mediana(dias),
    p90: percentil(dias, 90),
    conPlazo: conPlazo.length,
    dentroDelPlazo: proporcion(conPlazo.filter((a) => a.aTiempo).length, conPlazo.length),
  };
}

/** The Monday of a day's week ('YYYY-MM-DD'; weeks run Monday to Sunday). */
export function lunesDe(day: string): string {
  const weekday = new Date(`${day}T00:00:00Z`).getUTCDay(); // 0 Sunday … 6 Saturday
  return addDays(day, -((weekday + 6) % 7));
}

/** The Mondays of the `n` weeks up to the one holding `day`, oldest first. */
export function semanasHasta(day: string, n: number): string[] {
  const ultimo = lunesDe(day);
  return Array.from({ length: n }, (_, i) => addDays(ultimo, -7 * (n - 1 - i)));
}

/**
 * Días hábiles from one Lima day to another as domain/calendar's businessDaysUntil counts them
 * (business days in (desde, hasta]; 0 for the same day, negative backwards), for many pairs within
 * `[primero, ultimo]`: one walk over the days, then a subtraction per pair.
 */
export function contadorDiasHabiles(s: CalendarSettings, primero: string, ultimo: string) {
  const acumulado = new Map<string, number>(); // business days in (primero, day]
  let n = 0;
  for (let d = primero; d <= ultimo; d = addDays(d, 1)) {
    if (d !== primero && isBusinessDay(d, s)) n++;
    acumulado.set(d, n);
  }
  const en = (d: string) => {
    const v = acumulado.get(d);
    if (v === undefined) throw new RangeError(`Día fuera del intervalo contado: ${d}`);
    return v;
  };
  return (desde: string, hasta: string): number => {
    if (desde === hasta) return 0;
    return hasta > desde ? en(hasta) - en(desde) : -Math.max(1, en(desde) - en(hasta));
  };
}

// Legal time for Peru (días hábiles), see DESIGN.md "Legal time".
// PURE: no I/O, no clock, no randomness — it runs inside the Temporal workflow sandbox and in the API.
// Days are 'YYYY-MM-DD' strings; day arithmetic uses UTC midnight Dates so no host time zone leaks in.
import { LIMA_OFFSET_MS, LIMA_UTC_OFFSET } from './formats';

export interface CalendarSettings {
  opens: string; // 'HH:MM' business-hours start, Lima time
  closes: string; // 'HH:MM' business-hours end (exclusive), Lima time
  nonWorkingDays: string[]; // admin-entered non-working days 'YYYY-MM-DD'
}

export const DEFAULT_SETTINGS: CalendarSettings = Object.freeze({
  opens: '08:30',
  closes: '16:30',
  nonWorkingDays: Object.freeze([]) as unknown as string[],
});

const DAY_MS = 86_400_000;
const MAX_DIAS = 3650;
const MAX_SCAN_DAYS = 20_000; // ~55 years: bounds every day-by-day loop

// Fixed-date national holidays (MM-DD).
const FIXED_HOLIDAYS = [
  '01-01', '05-01', '06-07', '06-29', '07-23', '07-28', '07-29',
  '08-06', '08-30', '10-08', '11-01', '12-08', '12-09', '12-25',
];

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

// UTC midnight of y-m-d; setUTCFullYear avoids Date.UTC's 0–99 → 1900+ mapping.
function utcDate(y: number, m: number, d: number): Date {
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  return date;
}

function dayOf(date: Date): string {
  return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
}

// Strict parse; returns null when the string is not a real calendar day.
function parseDay(day: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(typeof day === 'string' ? day : '');
  if (!m) return null;
  const date = utcDate(Number(m[1]), Number(m[2]), Number(m[3]));
  return dayOf(date) === day ? date : null; // round-trip rejects 2026-02-30 etc.
}

function toDate(day: string): Date {
  const date = parseDay(day);
  if (!date) throw new RangeError(`Fecha inválida: ${String(day)} (se espera YYYY-MM-DD)`);
  return date;
}

function checkInstant(instant: Date): number {
  const t = instant instanceof Date ? instant.getTime() : NaN;
  if (Number.isNaN(t)) throw new RangeError('Instante inválido');
  return t;
}

function parseHHMM(hhmm: string): [number, number] {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(typeof hhmm === 'string' ? hhmm : '');
  if (!m) throw new RangeError(`Hora inválida: ${String(hhmm)} (se espera HH:MM)`);
  return [Number(m[1]), Number(m[2])];
}

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`Año inválido: ${year}`);
}

export function isValidDay(day: string): boolean {
  return parseDay(day) !== null;
}

export function addDays(day: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`Número de días inválido: ${n}`);
  return dayOf(new Date(toDate(day).getTime() + n * DAY_MS));
}

// Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
export function easterSunday(year: number): string {
  checkYear(year);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return dayOf(utcDate(year, month, dayOfMonth));
}

export function nationalHolidays(year: number): string[] {
  const easter = easterSunday(year); // also validates year
  const fixed = FIXED_HOLIDAYS.map((md) => `${pad(year, 4)}-${md}`);
  // Jueves Santo and Viernes Santo: Thursday and Friday before Easter Sunday.
  return [...fixed, addDays(easter, -3), addDays(easter, -2)].sort();
}

export function limaDay(instant: Date): string {
  return dayOf(new Date(checkInstant(instant) - LIMA_OFFSET_MS));
}

export function limaInstant(day: string, hhmm: string, seconds = 0): Date {
  const [h, m] = parseHHMM(hhmm);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 59) throw new RangeError(`Segundos inválidos: ${seconds}`);
  return new Date(toDate(day).getTime() + LIMA_OFFSET_MS + ((h * 60 + m) * 60 + seconds) * 1000);
}

export function formatInstant(instant: Date): string {
  // Shift to Lima wall time, print it as if UTC, drop milliseconds and 'Z', append the fixed offset.
  return new Date(checkInstant(instant) - LIMA_OFFSET_MS).toISOString().slice(0, 19) + LIMA_UTC_OFFSET;
}

export function isBusinessDay(day: string, s: CalendarSettings): boolean {
  const date = toDate(day);
  const weekday = date.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  if (nationalHolidays(date.getUTCFullYear()).includes(day)) return false;
  return !s.nonWorkingDays.includes(day);
}

export function nextBusinessDay(day: string, s: CalendarSettings): string {
  let d = day;
  for (let i = 0; i < MAX_SCAN_DAYS; i++) {
    d = addDays(d, 1);
    if (isBusinessDay(d, s)) return d;
  }
  throw new RangeError(`No hay día hábil después de ${day} en ${MAX_SCAN_DAYS} días`);
}

// Opening and closing instants of a day's business hours; throws if the settings are inconsistent.
function businessWindow(day: string, s: CalendarSettings): [number, number] {
  const open = limaInstant(day, s.opens).getTime();
  const close = limaInstant(day, s.closes).getTime();
  if (open >= close) throw new RangeError(`Horario inválido: ${s.opens}–${s.closes}`);
  return [open, close];
}

export function fechasDePresentacion(filedAt: Date, s: CalendarSettings): { presentacion: string; recepcion: Date } {
  const t = checkInstant(filedAt);
  const day = limaDay(filedAt);
  const business = isBusinessDay(day, s);
  // Ley 31465: any hour of a business day counts as presented that day.
  const presentacion = business ? day : nextBusinessDay(day, s);
  if (business) {
    const [open, close] = businessWindow(day, s);
    if (t < open) return { presentacion, recepcion: new Date(open) };
    if (t < close) return { presentacion, recepcion: new Date(t) };
  }
  // Outside hours or on a non-working day: the office receives it at the next opening.
  const next = business ? nextBusinessDay(day, s) : presentacion;
  return { presentacion, recepcion: new Date(businessWindow(next, s)[0]) };
}

/**
 * The filing was sent on a day that was not a business day: its legal date moved to the next one,
 * its reception to that day's opening. Read from the two dates it was given (fechasDePresentacion),
 * so a cargo's note always agrees with the dates it prints; otherwise a late filing is one sent
 * after hours on a business day.
 */
export function enDiaInhabil(filedAt: Date, fechas: { presentacion: string; recepcion: Date }): boolean {
  return fechas.recepcion.getTime() !== filedAt.getTime() && limaDay(filedAt) !== fechas.presentacion;
}

export function plazo(trigger: Date, dias: number, s: CalendarSettings): { inicio: string; vence: Date } {
  if (!Number.isInteger(dias) || dias < 1 || dias > MAX_DIAS) {
    throw new RangeError(`Plazo inválido: ${dias} (entero entre 1 y ${MAX_DIAS} días hábiles)`);
  }
  // Day 1 is the first business day strictly after the trigger's Lima day (TUO 27444 art. 144; Ley 31736).
  const inicio = nextBusinessDay(limaDay(trigger), s);
  let day = inicio;
  for (let n = 1; n < dias; n++) day = nextBusinessDay(day, s);
  // Ends at the end of day N since a citizen may file until midnight.
  return { inicio, vence: limaInstant(day, '23:59', 59) };
}

/**
 * Business days left before a plazo ends, counted on Lima calendar days (the time of day is ignored):
 * - venceDay after fromDay: +(business days in (fromDay, venceDay]); e.g. from Mon, vence Wed → 2;
 * - venceDay equal to fromDay: 0 (last day, open until 23:59:59);
 * - venceDay before fromDay: −max(1, business days in (venceDay, fromDay]) — business days overdue, and at
 *   least −1 as soon as vence's day is over (so a weekend right after vence reads −1, never 0).
 */
export function businessDaysUntil(from: Date, vence: Date, s: CalendarSettings): number {
  const fromDay = limaDay(from);
  const venceDay = limaDay(vence);
  if (fromDay === venceDay) return 0;
  const past = venceDay < fromDay; // 'YYYY-MM-DD' strings compare chronologically
  const [lo, hi] = past ? [venceDay, fromDay] : [fromDay, venceDay];
  let count = 0;
  let d = lo;
  for (let i = 0; d < hi; i++) {
    if (i >= MAX_SCAN_DAYS) throw new RangeError('Intervalo demasiado largo');
    d = addDays(d, 1);
    if (isBusinessDay(d, s)) count++;
  }
  return past ? -Math.max(1, count) : count;
}

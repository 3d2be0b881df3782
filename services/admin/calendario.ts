// Admin-entered non-working days. Adding or removing one queues, in its transaction, a notice to
// the running expedientes whose deadline it can move (services/calendario.ts tells them at once,
// or the sweeper later); each change writes an audit row.
import type { Knex } from 'knex';
import { UniqueViolationError } from 'objection';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError, notFound } from '../errors';
import { parse, text } from '../validation';
import { deliverCalendarNotice } from '../calendario';
import type { CuentaPrincipal } from '../../domain/principal';
import { addDays, easterSunday, isValidDay, nationalHolidays } from '../../domain/calendar';
import { recordAudit } from '../../lib/audit';
import { AvisoCalendario, DiaNoLaborable } from '../../lib/models';

/** Records, in the change's transaction, that the running cases must be told (see deliverCalendarNotice). */
async function queueCalendarNotice(trx: Knex, fecha: string, now: Date): Promise<number> {
  const aviso = await AvisoCalendario.query(trx).insert({ fecha, creado_en: now }).returning('id');
  return aviso.id;
}

/** What a calendar change answers: how many cases were told now, or that they will be. */
async function told(deps: AppDeps, aviso: { id: number; fecha: string }) {
  const n = await deliverCalendarNotice(deps.db, deps.temporal, aviso);
  return { expedientesRecalculados: n, recalculoPendiente: n === null };
}

const fecha = z.string({ error: 'Indique la fecha (AAAA-MM-DD).' }).refine(isValidDay, 'La fecha debe ser un día válido AAAA-MM-DD.');
const nuevoDia = z.object({ fecha, descripcion: text('la descripción', 3, 200) });

export interface DiaNoLaborableVista {
  fecha: string;
  descripcion: string;
}

export async function listDiasNoLaborables(deps: Pick<AppDeps, 'db'>): Promise<DiaNoLaborableVista[]> {
  const dias = await DiaNoLaborable.query(deps.db).orderBy('fecha').select('fecha', 'descripcion');
  return dias.map(({ fecha, descripcion }) => ({ fecha, descripcion }));
}

// ---------------------------------------------------------------------------------------------
// One year at a glance: the national holidays the calendar already knows (domain/calendar.ts, with
// Jueves and Viernes Santo computed from Easter) beside the days the admin registered.

/** Names of the fixed national holidays, by MM-DD; the dates themselves are domain/calendar.ts's. */
const FERIADOS: Record<string, string> = {
  '01-01': 'Año Nuevo',
  '05-01': 'Día del Trabajo',
  '06-07': 'Batalla de Arica y Día de la Bandera',
  '06-29': 'San Pedro y San Pablo',
  '07-23': 'Día de la Fuerza Aérea del Perú',
  '07-28': 'Fiestas Patrias',
  '07-29': 'Fiestas Patrias',
  '08-06': 'Batalla de Junín',
  '08-30': 'Santa Rosa de Lima',
  '10-08': 'Combate de Angamos',
  '11-01': 'Día de Todos los Santos',
  '12-08': 'Inmaculada Concepción',
  '12-09': 'Batalla de Ayacucho',
  '12-25': 'Navidad',
};

export const ANIO_MIN = 2000;
export const ANIO_MAX = 2100;
const anioSchema = z.object({
  anio: z.coerce
    .number({ error: `El año debe ser un número de ${ANIO_MIN} a ${ANIO_MAX}.` })
    .int(`El año debe ser un número de ${ANIO_MIN} a ${ANIO_MAX}.`)
    .min(ANIO_MIN, `El año debe ser un número de ${ANIO_MIN} a ${ANIO_MAX}.`)
    .max(ANIO_MAX, `El año debe ser un número de ${ANIO_MIN} a ${ANIO_MAX}.`),
});

/** A non-working day of the year: a national holiday (the calendar's) or one the admin registered. */
export interface DiaDelAnio {
  fecha: string;
  descripcion: string;
  tipo: 'NACIONAL' | 'ENTIDAD';
  /** Saturday or Sunday: not a business day anyway. */
  finDeSemana: boolean;
}

/** The national holidays of `anio` with their names, in date order. */
export function feriadosNacionales(anio: number): DiaDelAnio[] {
  const pascua = easterSunday(anio);
  const moviles: Record<string, string> = { [addDays(pascua, -3)]: 'Jueves Santo', [addDays(pascua, -2)]: 'Viernes Santo' };
  return nationalHolidays(anio).map((fecha) => ({ fecha, descripcion: moviles[fecha] ?? FERIADOS[fecha.slice(5)] ?? 'Feriado nacional', tipo: 'NACIONAL' as const, finDeSemana: finDeSemana(fecha) }));
}

const finDeSemana = (fecha: string) => [0, 6].includes(new Date(`${fecha}T00:00:00Z`).getUTCDay());

/** The year's non-working days besides weekends, national and registered, in date order (a day may be both). */
export async function calendarioDelAnio(deps: Pick<AppDeps, 'db'>, anio: unknown) {
  const a = parse(anioSchema, { anio }).anio;
  const registrados = await DiaNoLaborable.query(deps.db)
    .where('fecha', '>=', `${a}-01-01`)
    .where('fecha', '<=', `${a}-12-31`)
    .orderBy('fecha')
    .select('fecha', 'descripcion');
  const nacionales = feriadosNacionales(a);
  const entidad = registrados.map(({ fecha, descripcion }) => ({ fecha, descripcion, tipo: 'ENTIDAD' as const, finDeSemana: finDeSemana(fecha) }));
  const dias: DiaDelAnio[] = [...nacionales, ...entidad].sort((x, y) => x.fecha.localeCompare(y.fecha) || (x.tipo === 'NACIONAL' ? -1 : 1));
  return { anio: a, dias, nacionales: nacionales.length, registrados: entidad.length };
}

export async function addDiaNoLaborable(deps: AppDeps, p: CuentaPrincipal, input: unknown) {
  const d = parse(nuevoDia, input);
  const aviso = await deps.db
    .transaction(async (trx) => {
      await DiaNoLaborable.query(trx).insert({ fecha: d.fecha, descripcion: d.descripcion, creado_por: p.cuentaId, creado_en: deps.clock.now() });
      await recordAudit(trx, { cuentaId: p.cuentaId, entidad: 'dia_no_laborable', clave: d.fecha, accion: 'CREAR', despues: d, en: deps.clock.now() });
      return queueCalendarNotice(trx, d.fecha, deps.clock.now());
    })
    .catch((err: unknown) => {
      if (err instanceof UniqueViolationError) throw new AppError(409, 'YA_EXISTE', `El ${d.fecha} ya está registrado como día no laborable.`, 'fecha');
      throw err;
    });
  return { fecha: d.fecha, descripcion: d.descripcion, ...(await told(deps, { id: aviso, fecha: d.fecha })) };
}

export async function removeDiaNoLaborable(deps: AppDeps, p: CuentaPrincipal, dia: unknown) {
  const f = parse(z.object({ fecha }), { fecha: dia }).fecha;
  const aviso = await deps.db.transaction(async (trx) => {
    const [row] = await DiaNoLaborable.query(trx).where({ fecha: f }).delete().returning(['fecha', 'descripcion']);
    if (!row) throw notFound('Ese día no está registrado como no laborable.');
    await recordAudit(trx, { cuentaId: p.cuentaId, entidad: 'dia_no_laborable', clave: f, accion: 'ELIMINAR', antes: { fecha: row.fecha, descripcion: row.descripcion }, en: deps.clock.now() });
    return queueCalendarNotice(trx, f, deps.clock.now());
  });
  return { fecha: f, ...(await told(deps, { id: aviso, fecha: f })) };
}

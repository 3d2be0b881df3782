// The tray query: the cases the caller may see (the `visibleTo` modifier), the tray's own filter,
// the caller's reach (an office only what is in it now) and the request's filters, read by keyset
// in the tray's order; then each row as the API gives it, with the business days of its plazo.
import { raw, type QueryBuilder } from 'objection';
import type { AppDeps } from '../deps';
import { badRequest, forbidden } from '../errors';
import type { CuentaPrincipal } from '../../domain/principal';
import { addDays, formatInstant, isBusinessDay, limaDay, limaInstant, type CalendarSettings } from '../../domain/calendar';
import { OPEN_STATES, type Estado } from '../../domain/lifecycle';
import { plazoVisible } from '../../domain/plazos-visibles';
import { calendarSettings } from '../../lib/business-calendar';
import { Cuenta, Expediente, TipoDocumento, Unidad } from '../../lib/models';
import type { ExpedienteCabecera } from '../expedientes/consultas';
import { SUPERVISION, bandejaDef, temporalUi, type BandejaCodigo, type Filtros } from './definiciones';

/** What the tray queries need of the app (the benchmark runs them without the web server). */
export type TrayDeps = Pick<AppDeps, 'db' | 'config' | 'clock'>;

export interface Catalogos {
  unidades: Map<string, { nombre: string; mesa: boolean }>;
  tipos: Map<string, string>;
  settings: CalendarSettings;
}

export async function catalogos(deps: TrayDeps): Promise<Catalogos> {
  const [unidades, tipos, settings] = await Promise.all([
    Unidad.query(deps.db).select('codigo', 'nombre', 'es_mesa_partes'),
    TipoDocumento.query(deps.db).select('codigo', 'nombre'),
    calendarSettings(deps.db, deps.config),
  ]);
  return {
    unidades: new Map(unidades.map((u) => [u.codigo, { nombre: u.nombre, mesa: u.es_mesa_partes }])),
    tipos: new Map(tipos.map((t) => [t.codigo, t.nombre])),
    settings,
  };
}

/** Last actions before this instant leave a case `n` business days (or more) without action today. */
export function sinAccionDesde(now: Date, n: number, s: CalendarSettings): Date {
  let day = limaDay(now);
  for (let count = 0; count < n; day = addDays(day, -1)) if (isBusinessDay(day, s)) count++;
  return limaInstant(addDays(day, 1), '00:00');
}

/** One tray read for one caller: what every step of the query and of the rows needs. */
export interface Consulta {
  deps: TrayDeps;
  p: CuentaPrincipal;
  codigo: BandejaCodigo;
  f: Filtros;
  cat: Catalogos;
  now: Date;
}

export async function consultaDe(deps: TrayDeps, p: CuentaPrincipal, codigo: BandejaCodigo, f: Filtros): Promise<Consulta> {
  return { deps, p, codigo, f, cat: await catalogos(deps), now: deps.clock.now() };
}

type Q = QueryBuilder<Expediente, Expediente[]>;

/** The caller's reach: an office only the cases in it now; mesa de partes its own observations. */
function alcance(c: Consulta, q: Q) {
  const { p, f } = c;
  if (p.rol === 'unidad') {
    if (!p.unidad) throw forbidden('Su cuenta no tiene una unidad orgánica asignada. Pida al administrador que la asigne.');
    if (f.unidad && f.unidad !== p.unidad) throw forbidden('Solo puede ver los expedientes de su unidad orgánica.');
    q.modify('enUnidad', p.unidad);
    return;
  }
  if (p.rol === 'mesa_partes' && bandejaDef(c.codigo).soloMesa) q.modify('enMesaDePartes');
  const unidad = f.unidad;
  if (unidad) {
    const u = c.cat.unidades.get(unidad);
    if (!u) throw badRequest('La unidad no existe.', 'unidad');
    // Cases still in reception have no office: the mesa de partes office stands for them.
    if (u.mesa) {
      q.where((w) => {
        w.whereNull('e.unidad').orWhere('e.unidad', unidad);
      });
    } else q.where('e.unidad', unidad);
  }
}

const sinComodines = (s: string) => s.replace(/[%_\\]/g, '');

function filtrar(c: Consulta, q: Q) {
  const { f } = c;
  if (f.desde && f.hasta && f.hasta < f.desde) throw badRequest('La fecha «hasta» no puede ser anterior a «desde».', 'hasta');
  // The dates are the fecha de recepción (the office's clock), the trays' order.
  if (f.desde) q.where('e.recibido_en', '>=', limaInstant(f.desde, '00:00'));
  if (f.hasta) q.where('e.recibido_en', '<', limaInstant(addDays(f.hasta, 1), '00:00'));
  if (f.numero) {
    const m = /^(\d{1,5})-(\d{4})$/.exec(f.numero);
    if (m) q.where('e.numero', `${m[1].padStart(5, '0')}-${m[2]}`);
    else q.where('e.numero', 'like', `%${sinComodines(f.numero)}%`);
  }
  if (f.asunto) q.whereILike('e.asunto', `%${sinComodines(f.asunto)}%`);
  if (f.documento) q.whereIn('e.cuenta_id', Cuenta.query().select('id').where('numero_documento', f.documento));
  if (f.tipo) q.where('e.tipo_documento', f.tipo);
  if (f.estado) q.where('e.estado', f.estado);
  if (f.vencido) q.where('e.vencido', true);
  if (c.codigo === 'sin-accion') q.where('e.updated_at', '<', sinAccionDesde(c.now, c.deps.config.supervision.diasSinAccion, c.cat.settings));
}

// Keyset cursor: the sort column at full (microsecond) precision (null for a case without it yet)
// and the id, opaque to clients.
const KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
export const encodeCursor = (k: string | null, id: number) => Buffer.from(JSON.stringify([k, id])).toString('base64url');
function decodeCursor(c: string): [string | null, number] {
  try {
    const v: unknown = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && (v[0] === null || (typeof v[0] === 'string' && KEY.test(v[0]))) && Number.isSafeInteger(v[1]) && (v[1] as number) > 0) {
      return [v[0] as string | null, v[1] as number];
    }
  } catch {
    // falls through to the 400
  }
  throw badRequest('El cursor de página no es válido.', 'despues');
}

// A case just filed or subsanado has no deadline until its workflow computes it (a moment later):
// the trays ordered by deadline list it last (ascending order puts nulls last) and still page it.
const SIN_PLAZO_AL_FINAL: readonly BandejaCodigo[] = ['por-validar'];

/** The rows after the cursor (k, id) in the order (col, id) `dir`, nulls last. */
function despuesDe(q: Q, col: string, dir: 'asc' | 'desc', [k, id]: [string | null, number], conNulos: boolean) {
  if (k === null) {
    q.whereNull(`e.${col}`).where('e.id', dir === 'asc' ? '>' : '<', id);
    return;
  }
  q.where((w) => {
    w.whereRaw(`(e.${col}, e.id) ${dir === 'asc' ? '>' : '<'} (?::timestamptz, ?)`, [k, id]);
    if (conNulos) w.orWhereNull(`e.${col}`);
  });
}

// «Subsanado»: the step that put the case where it is now was the filer's subsanación (it came
// back from OBSERVADO to whoever observed it); a later move (derivar, observar…) ends the mark.
const SUBSANADO = `(select h.accion = 'SUBSANAR' from historial h where h.expediente_id = e.id
  and h.accion in ('PRESENTAR', 'OBSERVAR', 'SUBSANAR', 'DERIVAR', 'ATENDER', 'ANULAR', 'ARCHIVAR')
  order by h.secuencia desc limit 1) as subsanado`;

const COLUMNAS = [
  'id', 'numero', 'estado', 'tipo_documento', 'numero_documento', 'asunto', 'remitente', 'folios', 'unidad',
  'recibido', 'fecha_presentacion', 'recibido_en', 'vence_en', 'vencido', 'updated_at', 'escrito_nuevo_en',
] as const;

/** A tray row as read: the case's columns, its filer's document, whether it came back subsanado and the keyset key `k`. */
export type FilaLeida = Pick<Expediente, (typeof COLUMNAS)[number]> & { doc_tipo: string | null; doc_numero: string | null; subsanado: boolean | null; k: string | null };

/** The tray's rows in its order, from the cursor on; `limite` + 1 are read to know if more follow. */
export function filas(c: Consulta, limite: number, despues?: string) {
  const def = bandejaDef(c.codigo);
  const { col, dir } = def.orden;
  const q = Expediente.query(c.deps.db)
    .alias('e')
    .leftJoin('cuentas as c', 'c.id', 'e.cuenta_id')
    .select(...COLUMNAS.map((k) => `e.${k}`), 'c.tipo_documento as doc_tipo', 'c.numero_documento as doc_numero')
    .select(raw(`to_char(e.${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as k`), raw(SUBSANADO))
    .modify('visibleTo', c.p);
  if (def.filtro) q.modify(def.filtro);
  alcance(c, q);
  filtrar(c, q);
  if (despues) despuesDe(q, col, dir, decodeCursor(despues), SIN_PLAZO_AL_FINAL.includes(c.codigo));
  return q.orderBy(`e.${col}`, dir).orderBy('e.id', dir).limit(limite + 1).castTo<FilaLeida[]>();
}

export interface FilaBandeja extends ExpedienteCabecera {
  remitenteDocumento: string | null;
  unidadNombre: string;
  /** Business days left of the current plazo: 0 its last day, negative once it passed. */
  diasRestantes: number | null;
  ultimaAccionEn: string;
  /** Business days since the last action. */
  diasSinAccion: number;
  /** The filer added an escrito the office holding the case has not opened yet. */
  escritoNuevo: boolean;
  /** The case came back from OBSERVADO by the filer's subsanación, and nobody moved it since. */
  subsanado: boolean;
  url: string;
  workflowUrl?: string;
}

/**
 * Business days from one instant to another, as domain/calendar's businessDaysUntil counts them,
 * for every instant of a page at once: one walk over the days the page spans, then a subtraction
 * per row. (Counting day by day for each row costs about 2 ms per year of distance: a page of
 * long-overdue cases would spend 100 ms on it.)
 */
function habiles(s: CalendarSettings, instants: Date[]) {
  const days = instants.map(limaDay).sort();
  const acumulado = new Map<string, number>(); // business days in (first day, day]
  let n = 0;
  for (let d = days[0]; d <= days[days.length - 1]; d = addDays(d, 1)) {
    if (d !== days[0] && isBusinessDay(d, s)) n++;
    acumulado.set(d, n);
  }
  const entre = (a: string, b: string) => acumulado.get(b)! - acumulado.get(a)!;
  return (desde: Date, hasta: Date) => {
    const [a, b] = [limaDay(desde), limaDay(hasta)];
    if (a === b) return 0;
    return b > a ? entre(a, b) : -Math.max(1, entre(b, a));
  };
}

/** A finished case keeps its last deadline in the read model: it has no plazo running. */
const venceDe = (r: FilaLeida) => (r.vence_en && OPEN_STATES.includes(r.estado) ? new Date(r.vence_en) : null);

/** The rows of a page as the API gives them, with the business days of each plazo. */
export function vista(c: Consulta, rows: FilaLeida[]): FilaBandeja[] {
  const instants = rows.flatMap((r) => [new Date(r.updated_at), ...(venceDe(r) ? [venceDe(r)!] : [])]);
  const contar = habiles(c.cat.settings, [c.now, ...instants]);
  return rows.map((r) => fila(c, r, contar));
}

function fila(c: Consulta, r: FilaLeida, habilesEntre: (desde: Date, hasta: Date) => number): FilaBandeja {
  const { cat, now } = c;
  const vence = venceDe(r);
  const diasRestantes = vence ? habilesEntre(now, vence) : null;
  const ultima = new Date(r.updated_at);
  return {
    numero: r.numero,
    estado: r.estado,
    tipoDocumento: r.tipo_documento,
    tipoDocumentoNombre: cat.tipos.get(r.tipo_documento) ?? r.tipo_documento,
    numeroDocumento: r.numero_documento,
    asunto: r.asunto,
    remitente: r.remitente,
    remitenteDocumento: r.doc_numero ? `${r.doc_tipo} ${r.doc_numero}` : null,
    folios: r.folios,
    unidad: r.unidad,
    unidadNombre: r.unidad ? (cat.unidades.get(r.unidad)?.nombre ?? r.unidad) : 'Mesa de Partes',
    recibido: r.recibido,
    fechaPresentacion: r.fecha_presentacion,
    fechaRecepcion: r.recibido_en ? formatInstant(new Date(r.recibido_en)) : null,
    venceEn: vence ? formatInstant(vence) : null,
    vencido: vence !== null && (r.vencido || diasRestantes! < 0),
    plazo: plazoVisible({ estado: r.estado, venceEn: vence ? formatInstant(vence) : null }, false),
    diasRestantes,
    ultimaAccionEn: formatInstant(ultima),
    diasSinAccion: Math.max(0, habilesEntre(ultima, now)),
    escritoNuevo: r.escrito_nuevo_en !== null,
    subsanado: r.subsanado === true,
    url: `/expedientes/${r.numero}`,
    ...(SUPERVISION.includes(c.p.rol) ? { workflowUrl: temporalUi(c.deps).workflow(r.numero) } : {}),
  };
}

// Staff trays, the supervisor's dashboard and their exports (JSON API, issue #5). The pages in
// web/pages-bandejas.ts call the same functions.
//
//   GET /api/v1/bandejas                         the trays the caller may open, in tab order
//   GET /api/v1/bandejas/{bandeja}               one page of a tray: filters + keyset (`despues`, `limite`)
//   GET /api/v1/bandejas/{bandeja}/export.xlsx   the whole filtered tray (≤ 5,000 rows) as Excel
//   GET /api/v1/bandejas/{bandeja}/export.pdf    the same as PDF, A4 landscape (503 without Chromium)
//   GET /api/v1/supervision/tablero              counts by state and office, overdue and idle cases
//
// Trays: `por-validar` (mesa de partes), `observados`, `por-recibir`, `en-proceso`, `atendidos`
// (an office sees only its own cases), `vencidos`, `sin-accion` (supervisor), `todos` (search).
// Supervisors and admins open every tray of every office. Filters: `desde`, `hasta` (fecha de
// recepción), `numero`, `asunto`, `documento` (the sender's DNI/CE/RUC), `tipo`, `estado`, `unidad`,
// `vencido=si`. Every row carries the business days left of its current plazo.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from './app';
import { HttpError, badRequest, notFound } from './errors';
import { parse } from './validation';
import { requireRole } from './auth/roles';
import { STAFF_ROLES, type Principal, type Rol } from './auth/session';
import { calendarSettings } from '../lib/business-calendar';
import { formatDay } from '../lib/documents';
import { EXPORT_MAX_FILAS, toPdf, toXlsx, type ExportColumna, type ExportTabla } from '../lib/exports';
import { addDays, formatInstant, isBusinessDay, isValidDay, limaDay, limaInstant, type CalendarSettings } from '../domain/calendar';
import { ESTADOS, ESTADO_LABEL, type Estado } from '../domain/lifecycle';
import { workflowIdFor } from '../workflows/definitions';

type Cuenta = Extract<Principal, { kind: 'cuenta' }>;

const EN_TRAMITE: readonly Estado[] = ['PENDIENTE_VALIDACION', 'OBSERVADO', 'DERIVADO'];
const ACTIVOS = `(${EN_TRAMITE.map((e) => `'${e}'`).join(', ')})`;

interface Bandeja {
  titulo: string;
  roles: readonly Rol[];
  /** Fixed SQL over `e` (expedientes): constants only, never request data. */
  where: string;
  /** Extra condition when mesa de partes opens it (its own observations, not an office's). */
  mesa?: string;
  orden: { col: 'recibido_en' | 'updated_at' | 'vence_en'; dir: 'asc' | 'desc' };
}

const SUPERVISION: readonly Rol[] = ['supervisor', 'admin'];
const OFICINA: readonly Rol[] = ['unidad', ...SUPERVISION];
const asc = (col: Bandeja['orden']['col']) => ({ col, dir: 'asc' as const });
const desc = (col: Bandeja['orden']['col']) => ({ col, dir: 'desc' as const });

/** In tab order; each role opens the trays that list it. */
export const BANDEJAS = {
  'por-validar': { titulo: 'Por validar', roles: ['mesa_partes', ...SUPERVISION], where: "e.estado = 'PENDIENTE_VALIDACION'", orden: asc('recibido_en') },
  'por-recibir': { titulo: 'Por recibir', roles: OFICINA, where: "e.estado = 'DERIVADO' and not e.recibido", orden: asc('recibido_en') },
  'en-proceso': { titulo: 'En proceso', roles: OFICINA, where: "e.estado = 'DERIVADO' and e.recibido", orden: asc('recibido_en') },
  observados: { titulo: 'Observados', roles: ['mesa_partes', ...OFICINA], where: "e.estado = 'OBSERVADO'", mesa: 'e.unidad is null', orden: asc('recibido_en') },
  atendidos: { titulo: 'Atendidos', roles: OFICINA, where: "e.estado = 'ATENDIDO'", orden: desc('updated_at') },
  vencidos: { titulo: 'Vencidos', roles: SUPERVISION, where: `e.vencido and e.estado in ${ACTIVOS}`, orden: asc('vence_en') },
  'sin-accion': { titulo: 'Sin acción', roles: SUPERVISION, where: `e.estado in ${ACTIVOS}`, orden: asc('updated_at') },
  todos: { titulo: 'Todos', roles: STAFF_ROLES, where: 'true', orden: desc('recibido_en') },
} satisfies Record<string, Bandeja>;

export type BandejaCodigo = keyof typeof BANDEJAS;

export const isBandeja = (x: string): x is BandejaCodigo => Object.hasOwn(BANDEJAS, x);

/** The trays a role opens, in tab order. */
export const bandejasDe = (rol: Rol) => (Object.keys(BANDEJAS) as BandejaCodigo[]).filter((b) => (BANDEJAS[b] as Bandeja).roles.includes(rol));

/** What the tray queries need of the app (the benchmark runs them without the web server). */
type TrayDeps = Pick<AppDeps, 'db' | 'config' | 'clock'>;

/** The Temporal Web UI: one workflow, or the list filtered by a visibility query. */
export function temporalUi(deps: Pick<AppDeps, 'config'>) {
  const base = `${deps.config.temporal.uiUrl}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}/workflows`;
  return {
    workflow: (numero: string) => `${base}/${encodeURIComponent(workflowIdFor(numero))}`,
    lista: (query: string) => `${base}?query=${encodeURIComponent(query)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Filters

const vacio = (v: unknown) => (v === '' ? undefined : v);
const dia = (label: string) => z.preprocess(vacio, z.string().refine(isValidDay, `La fecha «${label}» debe ser AAAA-MM-DD.`).optional());
const texto = (label: string, max: number) => z.preprocess(vacio, z.string().trim().max(max, `${label} no puede tener más de ${max} caracteres.`).optional());

const filtrosSchema = z.object({
  desde: dia('desde'),
  hasta: dia('hasta'),
  numero: texto('El número', 20),
  asunto: texto('El asunto', 200),
  documento: z.preprocess(vacio, z.string().trim().regex(/^\d{8,11}$/, 'El documento del remitente tiene de 8 a 11 dígitos (DNI, CE, PTP o RUC).').optional()),
  tipo: texto('El tipo de documento', 40),
  estado: z.preprocess(vacio, z.enum(ESTADOS, { error: 'Estado desconocido.' }).optional()),
  unidad: texto('La unidad', 20),
  vencido: z.preprocess((v) => (v === '' || v === undefined ? undefined : ['si', 'on', '1', 'true'].includes(String(v))), z.boolean().optional()),
  despues: z.preprocess(vacio, z.string().max(200, 'El cursor de página no es válido.').optional()),
  limite: z.coerce.number({ error: 'El límite debe ser un número.' }).int('El límite va de 1 a 100.').min(1, 'El límite va de 1 a 100.').max(100, 'El límite va de 1 a 100.').default(20),
});

type Filtros = z.infer<typeof filtrosSchema>;

/** The filters a page keeps in its links (not the cursor nor the page size). */
export const FILTROS = ['desde', 'hasta', 'numero', 'asunto', 'documento', 'tipo', 'estado', 'unidad', 'vencido'] as const;

// Keyset cursor: the sort column at full (microsecond) precision and the id, opaque to clients.
const KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const encodeCursor = (k: string, id: number) => Buffer.from(JSON.stringify([k, id])).toString('base64url');
function decodeCursor(c: string): [string, number] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'string' && KEY.test(v[0]) && Number.isSafeInteger(v[1]) && v[1] > 0) return [v[0], v[1]];
  } catch {
    // falls through to the 400
  }
  throw badRequest('El cursor de página no es válido.', 'despues');
}

// ---------------------------------------------------------------------------------------------
// Queries

interface Catalogos {
  unidades: Map<string, { nombre: string; mesa: boolean }>;
  tipos: Map<string, string>;
  settings: CalendarSettings;
}

async function catalogos(deps: TrayDeps): Promise<Catalogos> {
  const [unidades, tipos, settings] = await Promise.all([
    deps.db('unidades').select('codigo', 'nombre', 'es_mesa_partes'),
    deps.db('tipos_documento').select('codigo', 'nombre'),
    calendarSettings(deps.db, deps.config),
  ]);
  return {
    unidades: new Map(unidades.map((u) => [u.codigo as string, { nombre: u.nombre as string, mesa: u.es_mesa_partes as boolean }])),
    tipos: new Map(tipos.map((t) => [t.codigo as string, t.nombre as string])),
    settings,
  };
}

/** Last actions before this instant leave a case `n` business days (or more) without action today. */
function sinAccionDesde(now: Date, n: number, s: CalendarSettings): Date {
  let day = limaDay(now);
  for (let count = 0; count < n; day = addDays(day, -1)) if (isBusinessDay(day, s)) count++;
  return limaInstant(addDays(day, 1), '00:00');
}

interface Consulta {
  deps: TrayDeps;
  p: Cuenta;
  codigo: BandejaCodigo;
  f: Filtros;
  cat: Catalogos;
  now: Date;
}

/** Who sees what: an office only its own cases; mesa de partes its own observations; others all. */
function alcance(c: Consulta, q: Knex.QueryBuilder) {
  const def: Bandeja = BANDEJAS[c.codigo];
  const { p, f } = c;
  if (p.rol === 'unidad') {
    if (!p.unidad) throw new HttpError(403, 'PROHIBIDO', 'Su cuenta no tiene una unidad orgánica asignada. Pida al administrador que la asigne.');
    if (f.unidad && f.unidad !== p.unidad) throw new HttpError(403, 'PROHIBIDO', 'Solo puede ver los expedientes de su unidad orgánica.');
    q.where('e.unidad', p.unidad);
    return;
  }
  if (p.rol === 'mesa_partes' && def.mesa) q.whereRaw(def.mesa);
  if (f.unidad) {
    const u = c.cat.unidades.get(f.unidad);
    if (!u) throw badRequest('La unidad no existe.', 'unidad');
    // Cases still in reception have no office: the mesa de partes office stands for them.
    if (u.mesa) q.where((w) => w.whereNull('e.unidad').orWhere('e.unidad', f.unidad!));
    else q.where('e.unidad', f.unidad);
  }
}

function filtrar(c: Consulta, q: Knex.QueryBuilder) {
  const { f } = c;
  if (f.desde && f.hasta && f.hasta < f.desde) throw badRequest('La fecha «hasta» no puede ser anterior a «desde».', 'hasta');
  // The dates are the fecha de recepción (the office's clock), the trays' order.
  if (f.desde) q.where('e.recibido_en', '>=', limaInstant(f.desde, '00:00'));
  if (f.hasta) q.where('e.recibido_en', '<', limaInstant(addDays(f.hasta, 1), '00:00'));
  if (f.numero) {
    const m = /^(\d{1,5})-(\d{4})$/.exec(f.numero);
    if (m) q.where('e.numero', `${m[1].padStart(5, '0')}-${m[2]}`);
    else q.where('e.numero', 'like', `%${f.numero.replace(/[%_\\]/g, '')}%`);
  }
  if (f.asunto) q.whereILike('e.asunto', `%${f.asunto.replace(/[%_\\]/g, '')}%`);
  if (f.documento) q.whereIn('e.cuenta_id', (sub) => sub.from('cuentas').select('id').where('numero_documento', f.documento!));
  if (f.tipo) q.where('e.tipo_documento', f.tipo);
  if (f.estado) q.where('e.estado', f.estado);
  if (f.vencido) q.where('e.vencido', true);
  if (c.codigo === 'sin-accion') q.where('e.updated_at', '<', sinAccionDesde(c.now, c.deps.config.supervision.diasSinAccion, c.cat.settings));
}

/** The tray's rows in its order, from the cursor on; `limite` + 1 are read to know if more follow. */
function filas(c: Consulta, limite: number, despues?: string) {
  const { col, dir } = (BANDEJAS[c.codigo] as Bandeja).orden;
  const db = c.deps.db;
  const q = db('expedientes as e')
    .leftJoin('cuentas as c', 'c.id', 'e.cuenta_id')
    .select(
      'e.id', 'e.numero', 'e.estado', 'e.tipo_documento', 'e.numero_documento', 'e.asunto', 'e.remitente', 'e.folios', 'e.unidad',
      'e.recibido', 'e.fecha_presentacion', 'e.recibido_en', 'e.vence_en', 'e.vencido', 'e.updated_at',
      'c.tipo_documento as doc_tipo', 'c.numero_documento as doc_numero',
      db.raw(`to_char(e.${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as k`),
    )
    .whereRaw((BANDEJAS[c.codigo] as Bandeja).where);
  alcance(c, q);
  filtrar(c, q);
  if (despues) {
    const [k, id] = decodeCursor(despues);
    q.whereRaw(`(e.${col}, e.id) ${dir === 'asc' ? '>' : '<'} (?::timestamptz, ?)`, [k, id]);
  }
  return q.orderBy([{ column: `e.${col}`, order: dir }, { column: 'e.id', order: dir }]).limit(limite + 1);
}

export interface FilaBandeja {
  numero: string;
  estado: Estado;
  tipoDocumento: string;
  tipoDocumentoNombre: string;
  numeroDocumento: string | null;
  asunto: string;
  remitente: string;
  remitenteDocumento: string | null;
  folios: number | null;
  unidad: string | null;
  unidadNombre: string;
  recibido: boolean;
  fechaPresentacion: string | null;
  fechaRecepcion: string | null;
  venceEn: string | null;
  vencido: boolean;
  /** Business days left of the current plazo: 0 its last day, negative once it passed. */
  diasRestantes: number | null;
  ultimaAccionEn: string;
  /** Business days since the last action. */
  diasSinAccion: number;
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
const venceDe = (r: Record<string, any>) => (r.vence_en && EN_TRAMITE.includes(r.estado) ? new Date(r.vence_en) : null);

/** The rows of a page as the API gives them, with the business days of each plazo. */
function vista(c: Consulta, rows: Record<string, any>[]): FilaBandeja[] {
  const instants = rows.flatMap((r) => [new Date(r.updated_at), ...(venceDe(r) ? [venceDe(r)!] : [])]);
  const contar = habiles(c.cat.settings, [c.now, ...instants]);
  return rows.map((r) => fila(c, r, contar));
}

function fila(c: Consulta, r: Record<string, any>, habilesEntre: (desde: Date, hasta: Date) => number): FilaBandeja {
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
    diasRestantes,
    ultimaAccionEn: formatInstant(ultima),
    diasSinAccion: Math.max(0, habilesEntre(ultima, now)),
    url: `/expedientes/${r.numero}`,
    ...(SUPERVISION.includes(c.p.rol) ? { workflowUrl: temporalUi(c.deps).workflow(r.numero) } : {}),
  };
}

async function consultaDe(deps: TrayDeps, p: Cuenta, codigo: string, query: unknown): Promise<Consulta> {
  if (!isBandeja(codigo)) throw notFound('La bandeja no existe.');
  if (!(BANDEJAS[codigo] as Bandeja).roles.includes(p.rol)) throw new HttpError(403, 'PROHIBIDO', 'Esta bandeja no corresponde a su rol.');
  const f = parse(filtrosSchema, query);
  return { deps, p, codigo, f, cat: await catalogos(deps), now: deps.clock.now() };
}

const consulta = (ctx: Context, deps: TrayDeps, codigo: string, query: unknown) => consultaDe(deps, requireRole(ctx, ...STAFF_ROLES), codigo, query);

/** A tray's page query as the API runs it, for `p`: bench/trays.ts times it beside OFFSET paging. */
export async function bandejaQuery(deps: TrayDeps, p: Cuenta, codigo: string, query: unknown) {
  const c = await consultaDe(deps, p, codigo, query);
  // Wrapped: a knex builder is a thenable, and an async function returning it would run it.
  return { query: filas(c, c.f.limite, c.f.despues) };
}

/** One page of a tray, in its order; `siguiente` is the cursor of the next page (null at the end). */
export async function bandejaPage(ctx: Context, deps: AppDeps, codigo: string, query: unknown) {
  const c = await consulta(ctx, deps, codigo, query);
  const rows = await filas(c, c.f.limite, c.f.despues);
  const page = rows.slice(0, c.f.limite);
  const last = page[page.length - 1];
  return {
    bandeja: c.codigo,
    titulo: BANDEJAS[c.codigo].titulo,
    expedientes: vista(c, page),
    siguiente: rows.length > c.f.limite ? encodeCursor(last.k, last.id) : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Exports: the whole filtered tray, in its order, as the page shows it

const COLUMNAS: ExportColumna[] = [
  { clave: 'numero', titulo: 'Expediente', ancho: 15 },
  { clave: 'fechaRecepcion', titulo: 'Recepción', tipo: 'fechaHora', ancho: 15 },
  { clave: 'documento', titulo: 'Documento', ancho: 17 },
  { clave: 'asunto', titulo: 'Asunto', ancho: 36 },
  { clave: 'remitente', titulo: 'Remitente', ancho: 22 },
  { clave: 'remitenteDocumento', titulo: 'Doc. remitente', ancho: 13 },
  { clave: 'folios', titulo: 'Folios', tipo: 'numero', ancho: 9 },
  { clave: 'unidadNombre', titulo: 'Unidad', ancho: 20 },
  { clave: 'estadoNombre', titulo: 'Estado', ancho: 13 },
  { clave: 'venceEn', titulo: 'Vence', tipo: 'fechaHora', ancho: 15 },
  { clave: 'diasRestantes', titulo: 'Días hábiles restantes', tipo: 'numero', ancho: 14 },
  { clave: 'ultimaAccionEn', titulo: 'Última acción', tipo: 'fechaHora', ancho: 15 },
];

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The filters in force as a person reads them, for the top of the file. */
function filtrosLegibles(c: Consulta): [string, string][] {
  const { f, cat, p } = c;
  const out: [string, string][] = [];
  const unidad = p.rol === 'unidad' ? p.unidad : f.unidad;
  if (unidad) out.push(['Unidad', cat.unidades.get(unidad)?.nombre ?? unidad]);
  if (f.desde) out.push(['Recibido desde', formatDay(f.desde)]);
  if (f.hasta) out.push(['Recibido hasta', formatDay(f.hasta)]);
  if (f.numero) out.push(['Número', f.numero]);
  if (f.asunto) out.push(['Asunto', f.asunto]);
  if (f.documento) out.push(['Documento del remitente', f.documento]);
  if (f.tipo) out.push(['Tipo de documento', cat.tipos.get(f.tipo) ?? f.tipo]);
  if (f.estado) out.push(['Estado', capital(ESTADO_LABEL[f.estado])]);
  if (f.vencido) out.push(['Situación', 'Solo vencidos']);
  if (c.codigo === 'sin-accion') out.push(['Sin acción desde hace', `${c.deps.config.supervision.diasSinAccion} días hábiles o más`]);
  return out;
}

async function exportTabla(ctx: Context, deps: AppDeps, codigo: string, query: unknown): Promise<{ tabla: ExportTabla; nombre: string }> {
  const c = await consulta(ctx, deps, codigo, query);
  const rows = await filas(c, EXPORT_MAX_FILAS);
  const tabla: ExportTabla = {
    titulo: `Bandeja «${BANDEJAS[c.codigo].titulo}»`,
    filtros: filtrosLegibles(c),
    columnas: COLUMNAS,
    filas: vista(c, rows).map((x) => ({ ...x, documento: `${x.tipoDocumentoNombre} ${x.numeroDocumento ?? 'S/N'}`, estadoNombre: capital(ESTADO_LABEL[x.estado]) })),
    institucion: { nombre: deps.config.institution.name, ruc: deps.config.institution.ruc, siglas: deps.config.institution.shortName },
    resaltar: 'vencido',
    generadoEn: c.now,
  };
  return { tabla, nombre: `bandeja-${c.codigo}-${limaDay(c.now)}` };
}

function attachment(ctx: Context, body: Buffer, nombre: string, type: string) {
  ctx.type = type;
  ctx.set('Content-Disposition', `attachment; filename="${nombre}"`);
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = body;
}

// ---------------------------------------------------------------------------------------------
// Supervisor's dashboard

const MUESTRA = 10;

export async function tablero(ctx: Context, deps: AppDeps) {
  const p = requireRole(ctx, ...SUPERVISION);
  const cat = await catalogos(deps);
  const now = deps.clock.now();
  const dias = deps.config.supervision.diasSinAccion;
  const ui = temporalUi(deps);
  const base: Omit<Consulta, 'codigo'> = { deps, p, f: parse(filtrosSchema, {}), cat, now };
  const idleSince = sinAccionDesde(now, dias, cat.settings);
  const [grupos, vencidos, sinAccion, [{ total: totalSinAccion }]] = await Promise.all([
    deps.db('expedientes').select('estado', 'unidad', 'recibido', 'vencido').count('* as n').groupBy('estado', 'unidad', 'recibido', 'vencido') as Promise<{ estado: Estado; unidad: string | null; recibido: boolean; vencido: boolean; n: number }[]>,
    filas({ ...base, codigo: 'vencidos' }, MUESTRA),
    filas({ ...base, codigo: 'sin-accion' }, MUESTRA),
    deps.db('expedientes').whereRaw(`estado in ${ACTIVOS}`).where('updated_at', '<', idleSince).count('* as total') as Promise<{ total: number }[]>,
  ]);

  const porEstado = new Map<Estado, number>(ESTADOS.map((e) => [e, 0]));
  type Conteo = { pendientes: number; observados: number; porRecibir: number; enProceso: number; atendidos: number; vencidos: number };
  const porUnidad = new Map<string, Conteo>();
  let totalVencidos = 0;
  for (const g of grupos) {
    const n = Number(g.n);
    porEstado.set(g.estado, (porEstado.get(g.estado) ?? 0) + n);
    const key = g.unidad ?? '';
    const u = porUnidad.get(key) ?? { pendientes: 0, observados: 0, porRecibir: 0, enProceso: 0, atendidos: 0, vencidos: 0 };
    if (g.estado === 'PENDIENTE_VALIDACION') u.pendientes += n;
    if (g.estado === 'OBSERVADO') u.observados += n;
    if (g.estado === 'DERIVADO') u[g.recibido ? 'enProceso' : 'porRecibir'] += n;
    if (g.estado === 'ATENDIDO') u.atendidos += n;
    if (g.vencido && EN_TRAMITE.includes(g.estado)) {
      u.vencidos += n;
      totalVencidos += n;
    }
    porUnidad.set(key, u);
  }
  const mesa = [...cat.unidades].find(([, u]) => u.mesa)?.[0];
  const unidades = [...porUnidad]
    .map(([codigo, cuentas]) => ({
      unidad: codigo || null,
      nombre: codigo ? (cat.unidades.get(codigo)?.nombre ?? codigo) : 'Mesa de Partes',
      // The tray filter: cases still in reception are under the mesa de partes office.
      filtro: codigo || mesa || null,
      ...cuentas,
      temporalUrl: ui.lista(`Unidad = "${codigo}" AND ExecutionStatus = "Running"`),
    }))
    .sort((a, b) => (a.unidad === null ? -1 : b.unidad === null ? 1 : a.nombre.localeCompare(b.nombre, 'es')));

  return {
    generadoEn: formatInstant(now),
    diasSinAccion: dias,
    porEstado: [...porEstado].map(([estado, total]) => ({ estado, nombre: capital(ESTADO_LABEL[estado]), total, temporalUrl: ui.lista(`Estado = "${estado}"`) })),
    porUnidad: unidades,
    vencidos: {
      total: totalVencidos,
      expedientes: vista({ ...base, codigo: 'vencidos' }, vencidos.slice(0, MUESTRA)),
      temporalUrl: ui.lista('Vencido = true AND ExecutionStatus = "Running"'),
    },
    sinAccion: {
      total: Number(totalSinAccion),
      desde: formatInstant(idleSince),
      expedientes: vista({ ...base, codigo: 'sin-accion' }, sinAccion.slice(0, MUESTRA)),
    },
    temporalUrl: ui.lista('ExecutionStatus = "Running"'),
  };
}

// ---------------------------------------------------------------------------------------------

export function bandejasRouter(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1' });

  r.get('/bandejas', (ctx) => {
    const p = requireRole(ctx, ...STAFF_ROLES);
    ctx.body = { bandejas: bandejasDe(p.rol).map((codigo) => ({ codigo, titulo: BANDEJAS[codigo].titulo, url: `/api/v1/bandejas/${codigo}` })) };
  });

  r.get('/bandejas/:bandeja', async (ctx) => {
    ctx.body = await bandejaPage(ctx, deps, ctx.params.bandeja, ctx.query);
  });

  r.get('/bandejas/:bandeja/export.xlsx', async (ctx) => {
    const { tabla, nombre } = await exportTabla(ctx, deps, ctx.params.bandeja, ctx.query);
    attachment(ctx, await toXlsx(tabla), `${nombre}.xlsx`, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  });

  r.get('/bandejas/:bandeja/export.pdf', async (ctx) => {
    const { tabla, nombre } = await exportTabla(ctx, deps, ctx.params.bandeja, ctx.query);
    if (!deps.pdf) throw new HttpError(503, 'PDF_NO_DISPONIBLE', 'La exportación a PDF no está disponible en este momento: el servidor no tiene el navegador que genera los PDF. Exporte a Excel o avise al administrador.');
    attachment(ctx, await toPdf(deps.pdf, tabla), `${nombre}.pdf`, 'application/pdf');
  });

  r.get('/supervision/tablero', async (ctx) => {
    ctx.body = await tablero(ctx, deps);
  });

  return r;
}

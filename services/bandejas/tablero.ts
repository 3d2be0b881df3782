// The supervisor's dashboard: what needs acting on (overdue cases, cases whose plazo ends within
// SUPERVISION_POR_VENCER_DIAS días hábiles, idle cases), counts by state and by office (every
// office, with zeros), each office's attention times over the last 30 and 90 days, receptions and
// attentions per week over the last 12 weeks, and links to the same sets in the Temporal Web UI.
// The statistics are domain/estadisticas.ts; business days come from the calendar in force.
import { raw } from 'objection';
import type { AppDeps } from '../deps';
import type { CuentaPrincipal } from '../../domain/principal';
import { addDays, formatInstant, limaDay, limaInstant, nextBusinessDay, type CalendarSettings } from '../../domain/calendar';
import { LIMA_OFFSET_MS } from '../../domain/formats';
import { contadorDiasHabiles, lunesDe, resumenAtencion, semanasHasta, type Atencion, type ResumenAtencion } from '../../domain/estadisticas';
import { ESTADOS, ESTADO_LABEL, OPEN_STATES, type Estado } from '../../domain/lifecycle';
import { Expediente, Unidad } from '../../lib/models';
import { filtrosSchema, temporalUi, type BandejaCodigo } from './definiciones';
import { catalogos, filas, sinAccionDesde, vista, type Catalogos, type Consulta, type FilaLeida } from './consulta';

const MUESTRA = 10;
/** Cases por vencer listed (the soonest first); the total says how many there are. */
const MUESTRA_POR_VENCER = 25;
/** Weeks of the chart of receptions and attentions. */
export const SEMANAS = 12;
/** The periods of the attention statistics, in calendar days up to now. */
const PERIODOS = { ultimos30: 30, ultimos90: 90 } as const;
const DAY_MS = 86_400_000;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

interface Grupo {
  estado: Estado;
  unidad: string | null;
  recibido: boolean;
  vencido: boolean;
  n: number;
}

interface Conteo {
  pendientes: number;
  observados: number;
  porRecibir: number;
  enProceso: number;
  atendidos: number;
  vencidos: number;
}

const ceros = (): Conteo => ({ pendientes: 0, observados: 0, porRecibir: 0, enProceso: 0, atendidos: 0, vencidos: 0 });

const gruposPorEstadoYUnidad = (deps: AppDeps) =>
  Expediente.query(deps.db).select('estado', 'unidad', 'recibido', 'vencido').count('* as n').groupBy('estado', 'unidad', 'recibido', 'vencido').castTo<Grupo[]>();

/** Counts per office (cases in reception under `mesa`, the mesa de partes office), and the overdue cases in all of them. */
function porUnidadDe(grupos: Grupo[], mesa: string) {
  const porEstado = new Map<Estado, number>(ESTADOS.map((e) => [e, 0]));
  const porUnidad = new Map<string, Conteo>();
  let vencidos = 0;
  for (const g of grupos) {
    const n = Number(g.n);
    porEstado.set(g.estado, (porEstado.get(g.estado) ?? 0) + n);
    const key = g.unidad ?? mesa;
    const u = porUnidad.get(key) ?? ceros();
    if (g.estado === 'PENDIENTE_VALIDACION') u.pendientes += n;
    if (g.estado === 'OBSERVADO') u.observados += n;
    if (g.estado === 'DERIVADO') u[g.recibido ? 'enProceso' : 'porRecibir'] += n;
    if (g.estado === 'ATENDIDO') u.atendidos += n;
    if (g.vencido && OPEN_STATES.includes(g.estado)) {
      u.vencidos += n;
      vencidos += n;
    }
    porUnidad.set(key, u);
  }
  return { porEstado, porUnidad, vencidos };
}

/**
 * The por vencer window: plazos ending up to the n-th business day from today (`ultimoDia`), that
 * is before the start of the next business day (`hasta`): n business days left or fewer.
 */
function ventanaPorVencer(hoy: string, n: number, s: CalendarSettings) {
  let d = hoy;
  for (let i = 0; i < n; i++) d = nextBusinessDay(d, s);
  return { ultimoDia: d, hasta: limaInstant(nextBusinessDay(d, s), '00:00') };
}

/** Active cases not yet overdue whose plazo ends before `hasta`. */
const porVencerQuery = (deps: AppDeps, now: Date, hasta: Date) =>
  Expediente.query(deps.db).alias('e').modify('enTramite').where('e.vencido', false).where('e.vence_en', '>=', now).where('e.vence_en', '<', hasta);

interface AtencionLeida {
  unidad: string | null;
  recibido_en: Date | null;
  presentado_en: Date;
  ocurrido_en: Date;
  vence_en: Date | null;
}

/**
 * The attentions (ATENDER steps) since `desde`, with the case's reception and plazo. A case's last
 * action (updated_at) is its attention or later: the atendidos tray's index narrows the read.
 */
const atencionesDesde = (deps: AppDeps, desde: Date) =>
  Expediente.query(deps.db)
    .alias('e')
    .modify('atendidos')
    .join('historial as h', 'h.expediente_id', 'e.id')
    .where('h.accion', 'ATENDER')
    .where('e.updated_at', '>=', desde)
    .where('h.ocurrido_en', '>=', desde)
    .select('h.unidad', 'e.recibido_en', 'e.presentado_en', 'h.ocurrido_en', 'e.vence_en')
    .castTo<AtencionLeida[]>();

/** Cases received per Lima day since `desde`. */
const recibidosPorDiaDesde = (deps: AppDeps, desde: Date) =>
  Expediente.query(deps.db)
    .where('recibido_en', '>=', desde)
    .select(raw(`to_char((recibido_en at time zone 'UTC') - ?::interval, 'YYYY-MM-DD') as dia`, [`${LIMA_OFFSET_MS / 1000} seconds`]))
    .count('* as n')
    .groupBy('dia')
    .castTo<{ dia: string; n: number | string }[]>();

type Resumenes = Record<keyof typeof PERIODOS, ResumenAtencion>;

/** Each office's attention statistics for each period, and the attentions per week. */
function estadisticas(rows: AtencionLeida[], now: Date, s: CalendarSettings, semanas: string[]) {
  const hoy = limaDay(now);
  const recepcion = (r: AtencionLeida) => limaDay(new Date(r.recibido_en ?? r.presentado_en));
  // A filing on a non-working day is received at the next opening, and staff may act before it.
  const dias = [hoy, ...rows.flatMap((r) => [recepcion(r), limaDay(new Date(r.ocurrido_en))])].sort();
  const habiles = contadorDiasHabiles(s, dias[0], dias[dias.length - 1]);
  const porUnidad = new Map<string, Record<keyof typeof PERIODOS, Atencion[]>>();
  const porSemana = new Map<string, number>(semanas.map((w) => [w, 0]));
  for (const r of rows) {
    const en = new Date(r.ocurrido_en);
    const dia = limaDay(en);
    const a: Atencion = {
      dias: Math.max(0, habiles(recepcion(r), dia)),
      aTiempo: r.vence_en ? en.getTime() <= new Date(r.vence_en).getTime() : null,
    };
    const u = porUnidad.get(r.unidad ?? '') ?? { ultimos30: [], ultimos90: [] };
    for (const [periodo, dias] of Object.entries(PERIODOS) as [keyof typeof PERIODOS, number][]) {
      if (en.getTime() >= now.getTime() - dias * DAY_MS) u[periodo].push(a);
    }
    porUnidad.set(r.unidad ?? '', u);
    const semana = lunesDe(dia);
    if (porSemana.has(semana)) porSemana.set(semana, porSemana.get(semana)! + 1);
  }
  const resumenDe = (codigo: string): Resumenes => {
    const u = porUnidad.get(codigo);
    return { ultimos30: resumenAtencion(u?.ultimos30 ?? []), ultimos90: resumenAtencion(u?.ultimos90 ?? []) };
  };
  return { resumenDe, atendidosPorSemana: porSemana, unidades: [...porUnidad.keys()] };
}

interface UnidadCatalogo {
  codigo: string;
  nombre: string;
  es_mesa_partes: boolean;
  activa: boolean;
}

/**
 * Every active office (and an inactive one that still has cases), mesa de partes first: its counts,
 * its attention statistics, the tray filter that selects its cases and its Temporal list.
 */
function unidadesDe(deps: AppDeps, catalogo: UnidadCatalogo[], mesa: string | undefined, porUnidad: Map<string, Conteo>, resumenDe: (codigo: string) => Resumenes, conAtenciones: string[]) {
  const ui = temporalUi(deps);
  const conocidas = new Map(catalogo.map((u) => [u.codigo, u]));
  const codigos = new Set([...catalogo.filter((u) => u.activa || u.es_mesa_partes).map((u) => u.codigo), ...porUnidad.keys(), ...conAtenciones.filter(Boolean)]);
  return [...codigos]
    .map((codigo) => {
      const u = conocidas.get(codigo);
      const esMesa = codigo === mesa || codigo === '';
      return {
        unidad: codigo || null,
        nombre: u?.nombre ?? (codigo || 'Mesa de Partes'),
        mesaDePartes: esMesa,
        activa: u?.activa ?? true,
        // The tray filter: the mesa de partes office stands for the cases still in reception.
        filtro: codigo || null,
        ...ceros(),
        ...porUnidad.get(codigo),
        atencion: resumenDe(codigo),
        // Cases in reception carry an empty Unidad in Temporal: they are listed by state instead.
        temporalUrl: esMesa
          ? ui.lista('Estado IN ("PENDIENTE_VALIDACION", "OBSERVADO") AND ExecutionStatus = "Running"')
          : ui.lista(`Unidad = "${codigo}" AND ExecutionStatus = "Running"`),
      };
    })
    .sort((a, b) => Number(b.mesaDePartes) - Number(a.mesaDePartes) || Number(b.activa) - Number(a.activa) || a.nombre.localeCompare(b.nombre, 'es'));
}

export async function tablero(deps: AppDeps, p: CuentaPrincipal) {
  const cat: Catalogos = await catalogos(deps);
  const now = deps.clock.now();
  const { diasSinAccion: dias, porVencerDias } = deps.config.supervision;
  const ui = temporalUi(deps);
  const consulta = (codigo: BandejaCodigo): Consulta => ({ deps, p, codigo, f: filtrosSchema.parse({}), cat, now });
  const idleSince = sinAccionDesde(now, dias, cat.settings);
  const hoy = limaDay(now);
  const ventana = ventanaPorVencer(hoy, porVencerDias, cat.settings);
  const porVencerHasta = ventana.hasta;
  const semanas = semanasHasta(hoy, SEMANAS);
  const desdeSemanas = limaInstant(semanas[0], '00:00');
  const desdeAtenciones = new Date(Math.min(now.getTime() - PERIODOS.ultimos90 * DAY_MS, desdeSemanas.getTime()));
  const [grupos, vencidos, sinAccion, totalSinAccion, porVencer, totalPorVencer, catalogo, atenciones, recibidosPorDia] = await Promise.all([
    gruposPorEstadoYUnidad(deps),
    filas(consulta('vencidos'), MUESTRA),
    filas(consulta('sin-accion'), MUESTRA),
    Expediente.query(deps.db).modify('enTramite').where('updated_at', '<', idleSince).resultSize(),
    porVencerQuery(deps, now, porVencerHasta)
      .leftJoin('cuentas as c', 'c.id', 'e.cuenta_id')
      .select('e.*', 'c.tipo_documento as doc_tipo', 'c.numero_documento as doc_numero')
      .orderBy('e.vence_en')
      .orderBy('e.id')
      .limit(MUESTRA_POR_VENCER)
      .castTo<FilaLeida[]>(),
    porVencerQuery(deps, now, porVencerHasta).resultSize(),
    Unidad.query(deps.db).select('codigo', 'nombre', 'es_mesa_partes', 'activa').castTo<UnidadCatalogo[]>(),
    atencionesDesde(deps, desdeAtenciones),
    recibidosPorDiaDesde(deps, desdeSemanas),
  ]);
  const mesa = catalogo.find((u) => u.es_mesa_partes)?.codigo;
  const conteos = porUnidadDe(grupos, mesa ?? '');
  const stats = estadisticas(atenciones, now, cat.settings, semanas);
  const recibidos = new Map<string, number>(semanas.map((w) => [w, 0]));
  for (const { dia, n } of recibidosPorDia) {
    const w = lunesDe(dia);
    if (recibidos.has(w)) recibidos.set(w, recibidos.get(w)! + Number(n));
  }
  return {
    generadoEn: formatInstant(now),
    diasSinAccion: dias,
    porEstado: [...conteos.porEstado].map(([estado, total]) => ({ estado, nombre: capital(ESTADO_LABEL[estado]), total, temporalUrl: ui.lista(`Estado = "${estado}"`) })),
    porUnidad: unidadesDe(deps, catalogo, mesa, conteos.porUnidad, stats.resumenDe, stats.unidades),
    vencidos: {
      total: conteos.vencidos,
      expedientes: vista(consulta('vencidos'), vencidos.slice(0, MUESTRA)),
      temporalUrl: ui.lista('Vencido = true AND ExecutionStatus = "Running"'),
    },
    porVencer: {
      /** Plazos ending within this many días hábiles (0: today) are listed. */
      dias: porVencerDias,
      /** The last day of the window (a business day, or today), and its end: plazos ending before this instant. */
      ultimoDia: ventana.ultimoDia,
      hasta: formatInstant(porVencerHasta),
      total: totalPorVencer,
      expedientes: vista(consulta('todos'), porVencer),
    },
    sinAccion: {
      total: totalSinAccion,
      desde: formatInstant(idleSince),
      expedientes: vista(consulta('sin-accion'), sinAccion.slice(0, MUESTRA)),
    },
    /** Cases received (by fecha de recepción) and attended per week, Monday to Sunday, oldest first. */
    semanas: semanas.map((desde) => ({ desde, hasta: addDays(desde, 6), recibidos: recibidos.get(desde)!, atendidos: stats.atendidosPorSemana.get(desde)! })),
    temporalUrl: ui.lista('ExecutionStatus = "Running"'),
  };
}

export type Tablero = Awaited<ReturnType<typeof tablero>>;

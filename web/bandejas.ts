// Staff tray pages and the supervisor's dashboard (Spanish, server-rendered, no script needed).
// /bandeja opens the role's first tray; /bandeja/{bandeja} shows one tray with its tabs, filters
// (GET, so a filtered tray can be bookmarked), keyset pages and export links; /supervision is the
// dashboard. The rules and queries are services/bandejas/, which the JSON API calls too.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { notFound } from '../services/errors';
import { requireCuenta } from '../http/auth/roles';
import { BANDEJAS, FILTROS, bandejasDe, isBandeja, type BandejaCodigo } from '../services/bandejas/definiciones';
import { bandejaPage } from '../services/bandejas/bandejas';
import type { FilaBandeja } from '../services/bandejas/consulta';
import { tablero, type Tablero } from '../services/bandejas/tablero';
import type { ResumenAtencion } from '../domain/estadisticas';
import { tiposActivos, unidadesActivas } from '../services/expedientes/catalogos';
import { ESTADOS, ESTADO_LABEL, FINAL_STATES } from '../domain/lifecycle';
import { attempt, failed, problem, seeOther, str, type Body } from './forms';

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const ESTADO_OPCIONES = ESTADOS.map((codigo) => ({ codigo, nombre: capital(ESTADO_LABEL[codigo]) }));

/** What each tray is for, and the columns it shows beyond number, document, asunto and sender. */
interface Vista {
  descripcion: string;
  fecha: { titulo: string; campo: 'fechaRecepcion' | 'ultimaAccionEn' };
  folios?: boolean;
  estado?: boolean;
  plazo?: string;
  /** The rows hold several kinds of plazo: each says whose it is. */
  plazoMixto?: boolean;
  sinAccion?: boolean;
}

const VISTAS: Record<BandejaCodigo, Vista> = {
  'por-validar': {
    descripcion:
      'Expedientes presentados que esperan validación, primero el que vence antes. Un expediente subsanado vuelve aquí con su plazo contado desde la recepción de la subsanación.',
    fecha: { titulo: 'Fecha de recepción', campo: 'fechaRecepcion' },
    folios: true,
    plazo: 'Plazo de la entidad para validar',
  },
  observados: {
    descripcion: 'Expedientes observados que esperan la subsanación del administrado.',
    fecha: { titulo: 'Fecha de recepción', campo: 'fechaRecepcion' },
    plazo: 'Plazo del administrado para subsanar',
  },
  'por-recibir': {
    descripcion: 'Expedientes derivados a la unidad que aún no se reciben.',
    fecha: { titulo: 'Fecha de recepción', campo: 'fechaRecepcion' },
    folios: true,
    plazo: 'Plazo de la entidad para atender',
  },
  'en-proceso': {
    descripcion: 'Expedientes recibidos por la unidad, en atención.',
    fecha: { titulo: 'Fecha de recepción', campo: 'fechaRecepcion' },
    folios: true,
    plazo: 'Plazo de la entidad para atender',
  },
  atendidos: {
    descripcion: 'Expedientes atendidos, del más reciente al más antiguo.',
    fecha: { titulo: 'Atendido el', campo: 'ultimaAccionEn' },
  },
  vencidos: {
    descripcion: 'Expedientes en trámite con el plazo vencido, del que venció primero al último.',
    fecha: { titulo: 'Fecha de recepción', campo: 'fechaRecepcion' },
    estado: true,
    plazo: 'Plazo',
    plazoMixto: true,
  },
  'sin-accion': {
    descripcion: 'Expedientes en trámite sin ninguna acción desde hace varios días hábiles, del más antiguo al más reciente.',
    fecha: { titulo: 'Última acción', campo: 'ultimaAccionEn' },
    estado: true,
    plazo: 'Plazo',
    plazoMixto: true,
    sinAccion: true,
  },
  todos: {
    descripcion: 'Todos los expedientes a su alcance, del más reciente al más antiguo.',
    fecha: { titulo: 'Fecha de recepción', campo: 'fechaRecepcion' },
    estado: true,
    plazo: 'Plazo',
    plazoMixto: true,
  },
};

const habiles = (n: number) => `${n} ${n === 1 ? 'día hábil' : 'días hábiles'}`;

/** The plazo as a person says it: '3 días hábiles', 'Vence hoy', 'Vencido hace 2 días hábiles'. */
function plazoTexto(e: FilaBandeja) {
  if (e.diasRestantes === null) return null;
  if (e.diasRestantes < 0) return `Vencido hace ${habiles(-e.diasRestantes)}`;
  if (e.vencido) return 'Vencido';
  if (e.diasRestantes === 0) return 'Vence hoy';
  return `Quedan ${habiles(e.diasRestantes)}`;
}

/** GET /bandeja: the role's first tray. */
export function bandejaInicio(ctx: Context) {
  seeOther(ctx, `/bandeja/${bandejasDe(requireCuenta(ctx).rol)[0]}`);
}

/** The filters of the query string, as the form and its links keep them. */
function filtrosDe(ctx: Context) {
  const filtros: Record<string, string> = {};
  for (const k of FILTROS) {
    const v = str(ctx.query[k])?.trim();
    if (v) filtros[k] = v;
  }
  return filtros;
}

export async function bandejaPagina(ctx: Context, deps: AppDeps, views: Views) {
  const p = requireCuenta(ctx);
  const codigo = ctx.params.bandeja;
  if (!isBandeja(codigo)) throw notFound('La bandeja no existe.');
  const filtros = filtrosDe(ctx);
  const despues = str(ctx.query.despues)?.trim();
  const limite = str(ctx.query.limite)?.trim();
  const enlaces = { ...filtros, ...(limite ? { limite } : {}) };
  const qs = (extra: Record<string, string> = {}) => {
    const s = new URLSearchParams({ ...enlaces, ...extra }).toString();
    return s ? `?${s}` : '';
  };
  // Role and tray checks come first: a tray the role may not open is the 403 page.
  const res = await attempt(() => bandejaPage(deps, p, codigo, { ...filtros, ...(despues ? { despues } : {}), ...(limite ? { limite } : {}) }));
  if (!res.ok && (res.err.status === 403 || res.err.status === 404)) throw res.err;
  const [unidades, tipos] = await Promise.all([unidadesActivas(deps), tiposActivos(deps)]);
  const vista = VISTAS[codigo];
  const supervisor = p.rol === 'supervisor' || p.rol === 'admin';
  // Supervisors choose an office; mesa de partes only when searching all cases.
  const conUnidad = supervisor || (p.rol === 'mesa_partes' && codigo === 'todos');
  let data: Body;
  if (res.ok) {
    const { expedientes, siguiente } = res.value;
    data = {
      expedientes: expedientes.map((e) => ({ ...e, fecha: e[vista.fecha.campo], plazoTexto: plazoTexto(e) })),
      siguienteUrl: siguiente ? `/bandeja/${codigo}${qs({ despues: siguiente })}` : undefined,
      primeraUrl: despues ? `/bandeja/${codigo}${qs()}` : undefined,
    };
  } else {
    failed(ctx, res.err);
    data = { expedientes: [], ...problem(res.err) };
  }
  const miUnidad = p.unidad ? unidades.find((u) => u.codigo === p.unidad) : undefined;
  views.render(ctx, 'bandeja', {
    titulo: `Bandeja: ${BANDEJAS[codigo].titulo}`,
    codigo,
    bandeja: { titulo: BANDEJAS[codigo].titulo, ...vista },
    pestanas: bandejasDe(p.rol).map((b) => ({ url: `/bandeja/${b}`, titulo: BANDEJAS[b].titulo, actual: b === codigo })),
    unidadNombre: p.rol === 'unidad' ? (miUnidad?.nombre ?? p.unidad) : undefined,
    filtros,
    filtrado: Object.keys(filtros).length > 0 || !!despues,
    conUnidad,
    conEstado: codigo === 'todos',
    unidades,
    tipos,
    estados: ESTADO_OPCIONES,
    // The office column shows only where the office varies (cases to validate are all in reception).
    columnaUnidad: conUnidad && codigo !== 'por-validar',
    supervisor,
    exportXlsx: `/api/v1/bandejas/${codigo}/export.xlsx${qs()}`,
    exportPdf: `/api/v1/bandejas/${codigo}/export.pdf${qs()}`,
    diasSinAccion: deps.config.supervision.diasSinAccion,
    errores: {},
    ...data,
  });
}

// ---------------------------------------------------------------------------------------------
// The supervisor's dashboard.

const decimal = new Intl.NumberFormat('es-PE', { maximumFractionDigits: 1 });
const porcentaje = new Intl.NumberFormat('es-PE', { style: 'percent', maximumFractionDigits: 0 });
const ddmm = (day: string) => `${day.slice(8, 10)}/${day.slice(5, 7)}`;

/** An office's attention figures as the page prints them ('—' where there is nothing to measure). */
function resumenTexto(r: ResumenAtencion) {
  return {
    atendidos: r.atendidos,
    mediana: r.mediana === null ? '—' : decimal.format(r.mediana),
    p90: r.p90 === null ? '—' : decimal.format(r.p90),
    dentroDelPlazo: r.dentroDelPlazo === null ? '—' : porcentaje.format(r.dentroDelPlazo),
    aTiempo: r.dentroDelPlazo === null ? 0 : Math.round(r.dentroDelPlazo * r.conPlazo),
    conPlazo: r.conPlazo,
  };
}

/** A round step for the chart's scale: 1, 2 or 5 times a power of ten, at least 1. */
function paso(x: number) {
  if (x <= 1) return 1;
  const pow = 10 ** Math.floor(Math.log10(x));
  const f = x / pow;
  return pow * (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10);
}

/**
 * The weekly chart as SVG geometry (viewBox units): per week a bar of cases received and one of
 * cases attended, a scale with round steps, the Monday of each week under its bars.
 */
function graficoSemanal(semanas: Tablero['semanas']) {
  const W = 600;
  const H = 300;
  const m = { izq: 44, der: 8, arr: 12, aba: 36 };
  const alto = H - m.arr - m.aba;
  const max = Math.max(0, ...semanas.flatMap((s) => [s.recibidos, s.atendidos]));
  const step = paso(max / 4);
  const tope = Math.max(step, Math.ceil(max / step) * step);
  const y = (v: number) => +(m.arr + alto - (v / tope) * alto).toFixed(1);
  const ranura = (W - m.izq - m.der) / semanas.length;
  const barra = +(ranura * 0.34).toFixed(1);
  const r1 = (n: number) => +n.toFixed(1);
  return {
    W,
    H,
    base: y(0),
    izq: m.izq,
    ejeX: m.izq - 6,
    etiquetaY: y(0) + 20,
    der: W - m.der,
    marcas: Array.from({ length: tope / step + 1 }, (_, i) => ({ valor: i * step, y: y(i * step) })),
    semanas: semanas.map((s, i) => {
      const x0 = m.izq + i * ranura + (ranura - 2 * barra) / 2;
      const bar = (v: number, x: number) => ({ valor: v, x: r1(x), y: y(v), alto: r1(y(0) - y(v)), ancho: barra });
      return {
        ...s,
        etiqueta: ddmm(s.desde),
        etiquetaX: r1(m.izq + i * ranura + ranura / 2),
        // On a phone every other week is labelled, this week's always.
        par: (semanas.length - 1 - i) % 2 === 0,
        recibidosBarra: bar(s.recibidos, x0),
        atendidosBarra: bar(s.atendidos, x0 + barra),
      };
    }),
  };
}

export async function supervisionPagina(ctx: Context, deps: AppDeps, views: Views) {
  const t = await tablero(deps, requireCuenta(ctx));
  const totales = t.semanas.reduce((a, s) => ({ recibidos: a.recibidos + s.recibidos, atendidos: a.atendidos + s.atendidos }), { recibidos: 0, atendidos: 0 });
  views.render(ctx, 'supervision', {
    titulo: 'Supervisión',
    t,
    enTramite: t.porEstado.filter((e) => !FINAL_STATES.includes(e.estado)).reduce((n, e) => n + e.total, 0),
    porVencer: t.porVencer.expedientes.map((e) => ({ ...e, plazoTexto: plazoTexto(e) })),
    porVencerParcial: t.porVencer.total > t.porVencer.expedientes.length,
    porVencerTitulo: t.porVencer.dias === 0 ? 'Vencen hoy' : `Por vencer en ${habiles(t.porVencer.dias)} o menos`,
    unidades: t.porUnidad.map((u) => ({ ...u, d30: resumenTexto(u.atencion.ultimos30), d90: resumenTexto(u.atencion.ultimos90) })),
    grafico: graficoSemanal(t.semanas),
    totales,
    periodo: { desde: t.semanas[0].desde, hasta: t.semanas[t.semanas.length - 1].hasta },
  });
}

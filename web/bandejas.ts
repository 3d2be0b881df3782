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
import { tablero } from '../services/bandejas/tablero';
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
  sinAccion?: boolean;
}

const VISTAS: Record<BandejaCodigo, Vista> = {
  'por-validar': {
    descripcion: 'Expedientes presentados que esperan validación, del más antiguo al más reciente por fecha de recepción.',
    fecha: { titulo: 'Recepción', campo: 'fechaRecepcion' },
    folios: true,
    plazo: 'Plazo de validación',
  },
  observados: {
    descripcion: 'Expedientes observados que esperan la subsanación del administrado.',
    fecha: { titulo: 'Recepción', campo: 'fechaRecepcion' },
    plazo: 'Plazo de subsanación',
  },
  'por-recibir': {
    descripcion: 'Expedientes derivados a la unidad que aún no se reciben.',
    fecha: { titulo: 'Recepción', campo: 'fechaRecepcion' },
    folios: true,
    plazo: 'Plazo de atención',
  },
  'en-proceso': {
    descripcion: 'Expedientes recibidos por la unidad, en atención.',
    fecha: { titulo: 'Recepción', campo: 'fechaRecepcion' },
    folios: true,
    plazo: 'Plazo de atención',
  },
  atendidos: {
    descripcion: 'Expedientes atendidos, del más reciente al más antiguo.',
    fecha: { titulo: 'Atendido el', campo: 'ultimaAccionEn' },
  },
  vencidos: {
    descripcion: 'Expedientes en trámite con el plazo vencido, del que venció primero al último.',
    fecha: { titulo: 'Recepción', campo: 'fechaRecepcion' },
    estado: true,
    plazo: 'Plazo',
  },
  'sin-accion': {
    descripcion: 'Expedientes en trámite sin ninguna acción desde hace varios días hábiles, del más antiguo al más reciente.',
    fecha: { titulo: 'Última acción', campo: 'ultimaAccionEn' },
    estado: true,
    plazo: 'Plazo',
    sinAccion: true,
  },
  todos: {
    descripcion: 'Todos los expedientes a su alcance, del más reciente al más antiguo.',
    fecha: { titulo: 'Recepción', campo: 'fechaRecepcion' },
    estado: true,
    plazo: 'Plazo',
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

export async function supervisionPagina(ctx: Context, deps: AppDeps, views: Views) {
  const t = await tablero(deps, requireCuenta(ctx));
  views.render(ctx, 'supervision', {
    titulo: 'Supervisión',
    t,
    enTramite: t.porEstado.filter((e) => !FINAL_STATES.includes(e.estado)).reduce((n, e) => n + e.total, 0),
  });
}

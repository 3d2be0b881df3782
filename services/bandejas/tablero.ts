// The supervisor's dashboard: cases by state and by office, a sample of the overdue and idle ones,
// and links to the same sets in the Temporal Web UI.
import type { AppDeps } from '../deps';
import type { CuentaPrincipal } from '../../domain/principal';
import { formatInstant } from '../../domain/calendar';
import { ESTADOS, ESTADO_LABEL, OPEN_STATES, type Estado } from '../../domain/lifecycle';
import { Expediente } from '../../lib/models';
import { filtrosSchema, temporalUi, type BandejaCodigo } from './definiciones';
import { catalogos, filas, sinAccionDesde, vista, type Catalogos, type Consulta } from './consulta';

const MUESTRA = 10;
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

const gruposPorEstadoYUnidad = (deps: AppDeps) =>
  Expediente.query(deps.db).select('estado', 'unidad', 'recibido', 'vencido').count('* as n').groupBy('estado', 'unidad', 'recibido', 'vencido').castTo<Grupo[]>();

/** Counts per office (mesa de partes under ''), and the overdue cases in all of them. */
function porUnidadDe(grupos: Grupo[]) {
  const porEstado = new Map<Estado, number>(ESTADOS.map((e) => [e, 0]));
  const porUnidad = new Map<string, Conteo>();
  let vencidos = 0;
  for (const g of grupos) {
    const n = Number(g.n);
    porEstado.set(g.estado, (porEstado.get(g.estado) ?? 0) + n);
    const key = g.unidad ?? '';
    const u = porUnidad.get(key) ?? { pendientes: 0, observados: 0, porRecibir: 0, enProceso: 0, atendidos: 0, vencidos: 0 };
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

function unidadesDe(deps: AppDeps, cat: Catalogos, porUnidad: Map<string, Conteo>) {
  const ui = temporalUi(deps);
  const mesa = [...cat.unidades].find(([, u]) => u.mesa)?.[0];
  return [...porUnidad]
    .map(([codigo, cuentas]) => ({
      unidad: codigo || null,
      nombre: codigo ? (cat.unidades.get(codigo)?.nombre ?? codigo) : 'Mesa de Partes',
      // The tray filter: cases still in reception are under the mesa de partes office.
      filtro: codigo || mesa || null,
      ...cuentas,
      temporalUrl: ui.lista(`Unidad = "${codigo}" AND ExecutionStatus = "Running"`),
    }))
    .sort((a, b) => (a.unidad === null ? -1 : b.unidad === null ? 1 : a.nombre.localeCompare(b.nombre, 'es')));
}

export async function tablero(deps: AppDeps, p: CuentaPrincipal) {
  const cat = await catalogos(deps);
  const now = deps.clock.now();
  const dias = deps.config.supervision.diasSinAccion;
  const ui = temporalUi(deps);
  const consulta = (codigo: BandejaCodigo): Consulta => ({ deps, p, codigo, f: filtrosSchema.parse({}), cat, now });
  const idleSince = sinAccionDesde(now, dias, cat.settings);
  const [grupos, vencidos, sinAccion, totalSinAccion] = await Promise.all([
    gruposPorEstadoYUnidad(deps),
    filas(consulta('vencidos'), MUESTRA),
    filas(consulta('sin-accion'), MUESTRA),
    Expediente.query(deps.db).modify('enTramite').where('updated_at', '<', idleSince).resultSize(),
  ]);
  const conteos = porUnidadDe(grupos);
  return {
    generadoEn: formatInstant(now),
    diasSinAccion: dias,
    porEstado: [...conteos.porEstado].map(([estado, total]) => ({ estado, nombre: capital(ESTADO_LABEL[estado]), total, temporalUrl: ui.lista(`Estado = "${estado}"`) })),
    porUnidad: unidadesDe(deps, cat, conteos.porUnidad),
    vencidos: {
      total: conteos.vencidos,
      expedientes: vista(consulta('vencidos'), vencidos.slice(0, MUESTRA)),
      temporalUrl: ui.lista('Vencido = true AND ExecutionStatus = "Running"'),
    },
    sinAccion: {
      total: totalSinAccion,
      desde: formatInstant(idleSince),
      expedientes: vista(consulta('sin-accion'), sinAccion.slice(0, MUESTRA)),
    },
    temporalUrl: ui.lista('ExecutionStatus = "Running"'),
  };
}

export type Tablero = Awaited<ReturnType<typeof tablero>>;

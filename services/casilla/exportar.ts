// The casilla's exports: the list as shown (its tab and filters), every page of it, to Excel or PDF.
import type { AppDeps } from '../deps';
import { parse } from '../validation';
import { AppError } from '../errors';
import type { CuentaPrincipal } from '../../domain/principal';
import { limaDay } from '../../domain/calendar';
import { formatDay, institucionDe } from '../../lib/documents';
import { EXPORT_MAX_FILAS, exportFile, type Archivo, type ExportTabla, type FormatoExport } from '../../lib/exports';
import { casillaSchema, filtered, item, type CasillaFiltros, type NotificacionLeida } from './casilla';

const COLUMNAS: ExportTabla['columnas'] = [
  { clave: 'anio', titulo: 'Año', ancho: 8, tipo: 'numero' },
  { clave: 'expediente', titulo: 'Expediente', ancho: 16 },
  { clave: 'asunto', titulo: 'Asunto', ancho: 36 },
  { clave: 'dependencia', titulo: 'Dependencia', ancho: 22 },
  { clave: 'emisor', titulo: 'Emisor', ancho: 20 },
  { clave: 'tipo', titulo: 'Tipo de documento', ancho: 18 },
  { clave: 'numero', titulo: 'Número', ancho: 22 },
  { clave: 'emitidoEn', titulo: 'Fecha de emisión', ancho: 16, tipo: 'fechaHora' },
  { clave: 'depositadoEn', titulo: 'Fecha de depósito', ancho: 16, tipo: 'fechaHora' },
  { clave: 'leidoEn', titulo: 'Leída el', ancho: 16, tipo: 'fechaHora' },
];

/** The filters in force as a person reads them, for the top of the file. */
function filtrosLegibles(f: CasillaFiltros, rows: NotificacionLeida[]): [string, string][] {
  const filtros: [string, string][] = [];
  if (f.leida !== undefined) filtros.push(['Bandeja', f.leida ? 'Leídos' : 'Pendientes por leer']);
  if (f.anio) filtros.push(['Año', String(f.anio)]);
  if (f.asunto) filtros.push(['Asunto', f.asunto]);
  if (f.unidad) filtros.push(['Dependencia', rows.find((r) => r.unidad === f.unidad)?.dependencia ?? f.unidad]);
  if (f.tipo) filtros.push(['Tipo de documento', f.tipo]);
  if (f.desde) filtros.push(['Desde', formatDay(f.desde)]);
  if (f.hasta) filtros.push(['Hasta', formatDay(f.hasta)]);
  return filtros;
}

/** `query` holds the list's tab and filters, as for a page. */
export async function exportarCasilla(deps: AppDeps, p: CuentaPrincipal, query: unknown, formato: FormatoExport): Promise<Archivo> {
  const f = parse(casillaSchema, query);
  const rows = await filtered(deps, p.cuentaId, f).orderBy('n.id', 'desc').limit(EXPORT_MAX_FILAS + 1);
  const tabla: ExportTabla = {
    titulo: `Casilla electrónica — ${p.nombre}`,
    filtros: filtrosLegibles(f, rows),
    columnas: COLUMNAS,
    filas: rows.map(item),
    institucion: institucionDe(deps.config),
    generadoEn: deps.clock.now(),
  };
  if (formato === 'pdf' && !deps.pdf) throw new AppError(503, 'PDF_NO_DISPONIBLE', 'La exportación a PDF no está disponible en este momento. Use la exportación a Excel.');
  return exportFile(tabla, formato, `casilla-${limaDay(deps.clock.now())}`, deps.pdf);
}

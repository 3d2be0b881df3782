// A tray's exports: the whole filtered tray (≤ EXPORT_MAX_FILAS rows), in its order, as the page
// shows it, to Excel or to PDF (A4 landscape; 503 without Chromium).
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import type { CuentaPrincipal } from '../../domain/principal';
import { limaDay } from '../../domain/calendar';
import { ESTADO_LABEL } from '../../domain/lifecycle';
import { formatDay, institucionDe } from '../../lib/documents';
import { EXPORT_MAX_FILAS, exportFile, type Archivo, type ExportColumna, type ExportTabla, type FormatoExport } from '../../lib/exports';
import { BANDEJAS } from './definiciones';
import { filas, vista, type Consulta } from './consulta';
import { consultaBandeja } from './bandejas';

const COLUMNAS: ExportColumna[] = [
  { clave: 'numero', titulo: 'Expediente', ancho: 15 },
  { clave: 'fechaRecepcion', titulo: 'Fecha de recepción', tipo: 'fechaHora', ancho: 15 },
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
  if (f.desde) out.push(['Fecha de recepción desde', formatDay(f.desde)]);
  if (f.hasta) out.push(['Fecha de recepción hasta', formatDay(f.hasta)]);
  if (f.numero) out.push(['Número', f.numero]);
  if (f.asunto) out.push(['Asunto', f.asunto]);
  if (f.documento) out.push(['Documento del remitente', f.documento]);
  if (f.tipo) out.push(['Tipo de documento', cat.tipos.get(f.tipo) ?? f.tipo]);
  if (f.estado) out.push(['Estado', capital(ESTADO_LABEL[f.estado])]);
  if (f.vencido) out.push(['Situación', 'Solo vencidos']);
  if (c.codigo === 'sin-accion') out.push(['Sin acción desde hace', `${c.deps.config.supervision.diasSinAccion} días hábiles o más`]);
  return out;
}

async function tablaDe(deps: AppDeps, c: Consulta): Promise<ExportTabla> {
  const rows = await filas(c, EXPORT_MAX_FILAS);
  return {
    titulo: `Bandeja «${BANDEJAS[c.codigo].titulo}»`,
    filtros: filtrosLegibles(c),
    columnas: COLUMNAS,
    filas: vista(c, rows).map((x) => ({ ...x, documento: `${x.tipoDocumentoNombre} ${x.numeroDocumento ?? 'S/N'}`, estadoNombre: capital(ESTADO_LABEL[x.estado]) })),
    institucion: institucionDe(deps.config),
    resaltar: 'vencido',
    generadoEn: c.now,
  };
}

/** `query` holds the tray's filters, as for a page. */
export async function exportarBandeja(deps: AppDeps, p: CuentaPrincipal, codigo: string, query: unknown, formato: FormatoExport): Promise<Archivo> {
  const c = await consultaBandeja(deps, p, codigo, query);
  const tabla = await tablaDe(deps, c);
  if (formato === 'pdf' && !deps.pdf) {
    throw new AppError(503, 'PDF_NO_DISPONIBLE', 'La exportación a PDF no está disponible en este momento: el servidor no tiene el navegador que genera los PDF. Exporte a Excel o avise al administrador.');
  }
  return exportFile(tabla, formato, `bandeja-${c.codigo}-${limaDay(c.now)}`, deps.pdf);
}

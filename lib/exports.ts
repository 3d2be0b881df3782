// Generic table exports: a list exactly as a page shows it, with its filters, to Excel (.xlsx, by
// exceljs) and to PDF (templates/documents/exportacion.hbs printed by the shared Chromium). Used by
// the staff trays and the casilla. The caller queries at most EXPORT_MAX_FILAS + 1 rows: when more
// came, only the first EXPORT_MAX_FILAS are written and both files say the list was cut there.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import Handlebars from 'handlebars';
import type { PdfRenderer } from './pdf';
import { firmaVisible, formatDay, formatLimaInstant, type Institucion } from './documents';
import type { Sello } from './signing';
import { formatInstant, isValidDay } from '../domain/calendar';
import { LIMA_OFFSET_MS } from '../domain/formats';

export const EXPORT_MAX_FILAS = 5000;

export interface ExportColumna {
  clave: string;
  titulo: string;
  /** Width in characters (Excel); the PDF shares the page width in the same proportions. The PDF never wraps the first column (the row's identifier). */
  ancho?: number;
  /** 'fecha': a day 'YYYY-MM-DD'; 'fechaHora': an instant (Date or ISO string); 'numero'. Dates given as Date need none. */
  tipo?: 'texto' | 'numero' | 'fecha' | 'fechaHora';
}

export interface ExportTabla {
  titulo: string;
  /** The filters in force, as a person reads them: [['Estado', 'Derivado'], ['Desde', '01/11/2026']]. */
  filtros: [string, string][];
  columnas: ExportColumna[];
  filas: Record<string, unknown>[];
  /** Shown at the top of both files; the PDF prints its header with it. */
  institucion: Institucion;
  /** A boolean key of the rows that marks a row to highlight (for example, overdue cases). */
  resaltar?: string;
  generadoEn?: Date;
}

const MAX_EXCEL_TEXT = 32_000; // Excel refuses cells above 32,767 characters

function recorte(t: ExportTabla) {
  const truncado = t.filas.length > EXPORT_MAX_FILAS;
  const filas = truncado ? t.filas.slice(0, EXPORT_MAX_FILAS) : t.filas;
  const aviso = truncado
    ? `Se exportaron solo las primeras ${EXPORT_MAX_FILAS.toLocaleString('es-PE')} filas: hay más resultados. Precise los filtros para obtener el resto.`
    : null;
  return { filas, aviso };
}

function instantOf(v: unknown): Date | null {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v;
  if (typeof v === 'string' && v) {
    const d = new Date(v);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

function dayOf(v: unknown): string | null {
  if (v instanceof Date) return formatInstant(v).slice(0, 10);
  return typeof v === 'string' && isValidDay(v.slice(0, 10)) ? v.slice(0, 10) : null;
}

const tipoDe = (c: ExportColumna, v: unknown) => c.tipo ?? (v instanceof Date ? 'fechaHora' : 'texto');

// ---------------------------------------------------------------------------------------------
// Excel

/** An Excel cell value: dates as real dates showing Lima wall time (Excel dates have no zone). */
function celda(c: ExportColumna, v: unknown): ExcelJS.CellValue {
  if (v === null || v === undefined || v === '') return null;
  switch (tipoDe(c, v)) {
    case 'fechaHora': {
      const d = instantOf(v);
      return d ? new Date(d.getTime() - LIMA_OFFSET_MS) : String(v);
    }
    case 'fecha': {
      const day = dayOf(v);
      return day ? new Date(`${day}T00:00:00Z`) : String(v);
    }
    case 'numero':
      return Number.isFinite(Number(v)) ? Number(v) : String(v);
    default:
      return typeof v === 'boolean' ? (v ? 'Sí' : 'No') : String(v).slice(0, MAX_EXCEL_TEXT);
  }
}

const FORMATO: Record<string, string> = { fecha: 'dd/mm/yyyy', fechaHora: 'dd/mm/yyyy hh:mm', numero: '0' };

/** One sheet: institution and title, the filters, the generation instant, then the table with a bold, frozen header. */
export async function toXlsx(t: ExportTabla): Promise<Buffer> {
  const { filas, aviso } = recorte(t);
  const generadoEn = t.generadoEn ?? new Date();
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Mesa de Partes Virtual';
  wb.created = generadoEn;
  const ws = wb.addWorksheet(t.titulo.replace(/[*?:\\/[\]]/g, ' ').slice(0, 31) || 'Exportación');
  const n = t.columnas.length;

  const cabecera: ExcelJS.CellValue[][] = [];
  cabecera.push([t.institucion.nombre]);
  cabecera.push([t.titulo]);
  for (const [label, value] of t.filtros) cabecera.push([`${label}: ${value}`]);
  if (!t.filtros.length) cabecera.push(['Filtros: ninguno']);
  cabecera.push([`Generado el ${formatLimaInstant(generadoEn)}`]);
  cabecera.push([`${filas.length.toLocaleString('es-PE')} ${filas.length === 1 ? 'fila' : 'filas'}`]);
  if (aviso) cabecera.push([aviso]);
  for (const r of cabecera) ws.addRow(r);
  ws.getRow(1).font = { bold: true, size: 11, color: { argb: 'FF8B1C1C' } };
  ws.getRow(2).font = { bold: true, size: 14 };
  if (aviso) ws.getRow(cabecera.length).font = { bold: true, color: { argb: 'FF8B1C1C' } };
  ws.addRow([]);

  const header = ws.addRow(t.columnas.map((c) => c.titulo));
  header.font = { bold: true };
  header.eachCell((cell) => {
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE4E7EB' } };
    cell.border = { bottom: { style: 'thin' } };
  });
  const headerRow = header.number;

  for (const f of filas) {
    const row = ws.addRow(t.columnas.map((c) => celda(c, f[c.clave])));
    if (t.resaltar && f[t.resaltar]) row.eachCell((cell) => (cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFDE2E2' } }));
  }
  t.columnas.forEach((c, i) => {
    const col = ws.getColumn(i + 1);
    col.width = c.ancho ?? Math.min(60, Math.max(10, c.titulo.length + 2));
    const fmt = FORMATO[c.tipo ?? ''];
    if (fmt) for (let r = headerRow + 1; r <= ws.rowCount; r++) ws.getCell(r, i + 1).numFmt = fmt;
    else if (filas.some((f) => f[c.clave] instanceof Date)) for (let r = headerRow + 1; r <= ws.rowCount; r++) ws.getCell(r, i + 1).numFmt = FORMATO.fechaHora;
  });
  ws.views = [{ state: 'frozen', ySplit: headerRow, xSplit: 0, topLeftCell: `A${headerRow + 1}`, activeCell: `A${headerRow + 1}` }];
  if (n > 0) ws.autoFilter = { from: { row: headerRow, column: 1 }, to: { row: headerRow, column: n } };
  ws.pageSetup = { orientation: 'landscape', paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: `${headerRow}:${headerRow}` };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// ---------------------------------------------------------------------------------------------
// PDF

const DIR = fileURLToPath(new URL('../templates/documents/', import.meta.url));
const hb = Handlebars.create();
let template: HandlebarsTemplateDelegate<Record<string, unknown>> | undefined;

function plantilla() {
  if (!template) {
    const compile = (f: string) => hb.compile(readFileSync(join(DIR, f), 'utf8'), { strict: true });
    hb.registerPartial('estilos', compile('_estilos.hbs'));
    hb.registerPartial('encabezado', compile('_encabezado.hbs'));
    template = compile('exportacion.hbs');
  }
  return template;
}

/** A cell as text for the PDF: dates in Lima time, as the pages print them. */
function texto(c: ExportColumna, v: unknown): string {
  if (v === null || v === undefined) return '';
  switch (tipoDe(c, v)) {
    case 'fechaHora': {
      const d = instantOf(v);
      return d ? formatLimaInstant(d).replace(' (hora de Lima)', '').slice(0, 16) : String(v);
    }
    case 'fecha': {
      const day = dayOf(v);
      return day ? formatDay(day) : String(v);
    }
    default:
      return typeof v === 'boolean' ? (v ? 'Sí' : 'No') : String(v);
  }
}

/** The running footer sits in a CSS string: only characters harmless there are kept. */
const pie = (titulo: string) => titulo.replace(/[^\p{L}\p{N} .,:()/-]/gu, '').slice(0, 80);

function exportHtml(t: ExportTabla, sello?: Sello): string {
  const { filas, aviso } = recorte(t);
  const generadoEn = t.generadoEn ?? new Date();
  const total = t.columnas.reduce((s, c) => s + (c.ancho ?? 12), 0);
  return plantilla()({
    institucion: t.institucion,
    pie: pie(t.titulo),
    titulo: t.titulo,
    filtros: t.filtros.map(([label, value]) => ({ label, value })),
    generadoEn: formatLimaInstant(generadoEn),
    cantidad: `${filas.length.toLocaleString('es-PE')} ${filas.length === 1 ? 'fila' : 'filas'}`,
    aviso,
    firma: firmaVisible(sello),
    columnas: t.columnas.map((c) => ({ titulo: c.titulo, ancho: (((c.ancho ?? 12) / total) * 100).toFixed(2), numero: c.tipo === 'numero' })),
    filas: filas.map((f) => ({
      resaltada: !!(t.resaltar && f[t.resaltar]),
      celdas: t.columnas.map((c) => ({ valor: texto(c, f[c.clave]), numero: c.tipo === 'numero' })),
    })),
  });
}

/** The same table printed to A4 landscape with the institution's header and page numbers. */
export async function toPdf(pdf: PdfRenderer, t: ExportTabla): Promise<Buffer> {
  return (await pdf.issue((sello) => exportHtml(t, sello), `Exportación: ${pie(t.titulo)}`)).pdf;
}

export type FormatoExport = 'xlsx' | 'pdf';

/** A file to download: its name, MIME type and bytes. */
export interface Archivo {
  nombre: string;
  tipo: string;
  contenido: Buffer;
}

const TIPO: Record<FormatoExport, string> = { xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', pdf: 'application/pdf' };

/** The table as `base.xlsx` or `base.pdf` (the caller checks first that a PDF renderer exists). */
export async function exportFile(t: ExportTabla, formato: FormatoExport, base: string, pdf?: PdfRenderer): Promise<Archivo> {
  if (formato === 'pdf' && !pdf) throw new Error('exportFile: PDF pedido sin un PdfRenderer');
  const contenido = formato === 'pdf' ? await toPdf(pdf!, t) : await toXlsx(t);
  return { nombre: `${base}.${formato}`, tipo: TIPO[formato], contenido };
}

// Documents the system issues (DESIGN.md, "Documents the system issues"): the cargo de recepción
// and the constancia de notificación electrónica, as self-contained HTML (inline styles, the QR as a
// data: URL, no external resources) that lib/pdf.ts prints to A4.
//
// Templates live in templates/documents/ (cargo.hbs, constancia.hbs and the partials _estilos.hbs,
// _encabezado.hbs, _verificacion.hbs). They are compiled once, lazily, in strict mode on a Handlebars
// instance of our own, and every value is escaped: the caller's data goes through a view model built
// here, where dates are printed in Lima time and sizes in es-PE style ('1,2 MB').
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import QRCode from 'qrcode';
import { formatInstant, isValidDay } from '../domain/calendar';
import type { Sello } from './signing';

// ---------------------------------------------------------------------------------------------
// Verification codes

/** 32 symbols: digits and capitals without the look-alikes 0/O and 1/I. 32 divides 256: no bias. */
const CODE_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** 12 crypto-random symbols (60 bits) grouped 'XXXX-XXXX-XXXX'. */
export function newVerificationCode(): string {
  const bytes = randomBytes(12);
  let code = '';
  for (let i = 0; i < 12; i++) {
    if (i > 0 && i % 4 === 0) code += '-';
    code += CODE_ALPHABET[bytes[i] & 31];
  }
  return code;
}

// ---------------------------------------------------------------------------------------------
// Data

export interface Institucion {
  nombre: string;
  ruc: string;
  siglas: string;
}

/** The institution as documents print it, from the configuration. */
export function institucionDe(config: { institution: { name: string; ruc: string; shortName: string } }): Institucion {
  return { nombre: config.institution.name, ruc: config.institution.ruc, siglas: config.institution.shortName };
}

/** Who filed, as a cargo prints it: the filer's name, identity document, representative and mail. */
export interface Remitente {
  nombre: string;
  documento: string; // 'DNI 40000001' or 'RUC 20…'
  representante?: string;
  email: string;
}

interface CuentaRemitente {
  tipo_documento?: string | null;
  numero_documento?: string | null;
  email?: string | null;
  representante?: { nombres: string; apellidoPaterno: string; tipoDocumento: string; numeroDocumento: string } | null;
}

/** The remitente of a case filed by `cuenta` (another institution's system files without one). */
export function remitenteDe(nombre: string, cuenta: CuentaRemitente | null | undefined): Remitente {
  const r = cuenta?.representante;
  return {
    nombre,
    documento: cuenta?.numero_documento ? `${cuenta.tipo_documento} ${cuenta.numero_documento}` : 'Sistema externo',
    representante: r ? `${r.nombres} ${r.apellidoPaterno} (${r.tipoDocumento} ${r.numeroDocumento})` : undefined,
    email: cuenta?.email ?? '',
  };
}

export interface CargoData {
  institucion: Institucion;
  numero: string; // '00123-2026'
  presentadoEn: Date; // filing instant
  fechaPresentacion: string; // 'YYYY-MM-DD' legal date (Ley 31465)
  fechaRecepcion: Date; // office reception instant
  remitente: Remitente;
  tipoDocumento: string;
  numeroDocumento: string; // or 'S/N'
  asunto: string;
  folios: number;
  destino: string;
  archivos: { rol: 'Principal' | 'Anexo'; nombre: string; bytes: number; sha256: string }[];
  claveSeguimiento: string; // tracking password shown to the citizen
  codigoVerificacion: string;
  verificacionUrl: string; // the QR encodes it
  consultaUrl: string; // public tracking page
  fueraDeHorario: boolean; // filed outside business hours → a note explains both dates
  diaInhabil?: boolean; // …on a day that was not a business day (domain/calendar.ts enDiaInhabil): the note says so
  /** The signature this document is about to get (lib/pdf.ts issue); absent, no stamp is printed. */
  sello?: Sello;
}

export interface ConstanciaData {
  institucion: Institucion;
  expediente: string;
  administrado: { nombre: string; documento: string; email: string };
  documento: { tipo: string; numero: string; asunto: string; emisor: string /* office */; firmante: string; emitidoEn?: Date };
  /** The notification's own text (an observation, the reason for archiving), printed in full. */
  contenido?: string;
  archivos: { nombre: string; bytes: number; sha256: string }[];
  depositadoEn: Date;
  plazo?: { descripcion: string; inicio: string /* YYYY-MM-DD */; vence: Date }; // e.g. plazo de subsanación
  codigoVerificacion: string;
  verificacionUrl: string;
  /** The signature this document is about to get; absent, the official is named as issuer only. */
  sello?: Sello;
}

// ---------------------------------------------------------------------------------------------
// Formatting (Lima time, es-PE)

/** '2026-12-04T23:30:00Z'-style instant → '04/12/2026 18:30:00 (hora de Lima)'. */
export function formatLimaInstant(instant: Date): string {
  const iso = formatInstant(instant); // 'YYYY-MM-DDTHH:MM:SS-05:00', throws on an invalid Date
  return `${formatDay(iso.slice(0, 10))} ${iso.slice(11, 19)} (hora de Lima)`;
}

/** 'YYYY-MM-DD' → 'DD/MM/YYYY'. */
export function formatDay(day: string): string {
  if (!isValidDay(day)) throw new RangeError(`Fecha inválida: ${String(day)} (se espera YYYY-MM-DD)`);
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

/** Lima calendar day of an instant, as 'DD/MM/YYYY'. */
function formatLimaDay(instant: Date): string {
  return formatDay(formatInstant(instant).slice(0, 10));
}

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** Human file size with a decimal comma: '532 bytes', '12,5 KB', '1,2 MB'. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) throw new RangeError(`Tamaño inválido: ${bytes}`);
  const n = Math.round(bytes);
  if (n < 1024) return n === 1 ? '1 byte' : `${n} bytes`;
  let value = n / 1024;
  let unit = 0;
  // Move up a unit when the rounded value would read 1024,0.
  while (Math.round(value * 10) / 10 >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1).replace('.', ',')} ${UNITS[unit]}`;
}

/** Only http(s) addresses become links; anything else is printed as text only. */
function safeHref(url: string): string | null {
  return /^https?:\/\/[^\s"'<>`]+$/i.test(url) ? url : null;
}

async function qrDataUrl(url: string): Promise<string> {
  if (typeof url !== 'string' || url.trim() === '') throw new Error('Falta la URL de verificación para el código QR');
  return QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 1, width: 160 });
}

/** The visible stamp of the document's signature, or null for an unsigned print. */
export function firmaVisible(sello: Sello | undefined) {
  if (!sello) return null;
  return { firmante: sello.firmante, fecha: formatLimaInstant(sello.firmadoEn), huella: sello.huella, demo: sello.demo };
}

async function verificacion(codigo: string, url: string, sello?: Sello) {
  return { codigo, url, href: safeHref(url), qr: await qrDataUrl(url), firma: firmaVisible(sello) };
}

// ---------------------------------------------------------------------------------------------
// Templates

const DIR = fileURLToPath(new URL('../templates/documents/', import.meta.url));

type Compiled = HandlebarsTemplateDelegate<Record<string, unknown>>;

const hb = Handlebars.create();
let compiled: { cargo: Compiled; constancia: Compiled; cargoEscrito: Compiled } | undefined;

function compileFile(file: string): Compiled {
  return hb.compile(readFileSync(join(DIR, file), 'utf8'), { strict: true });
}

function templates() {
  if (!compiled) {
    hb.registerPartial('estilos', compileFile('_estilos.hbs'));
    hb.registerPartial('encabezado', compileFile('_encabezado.hbs'));
    hb.registerPartial('verificacion', compileFile('_verificacion.hbs'));
    compiled = { cargo: compileFile('cargo.hbs'), constancia: compileFile('constancia.hbs'), cargoEscrito: compileFile('cargo-escrito.hbs') };
  }
  return compiled;
}

function run(name: 'cargo' | 'constancia' | 'cargoEscrito', view: Record<string, unknown>): string {
  try {
    return templates()[name](view);
  } catch (err) {
    throw new Error(`Plantilla de documento ${name}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Running footer printed in the page margin ('… — Página 1 de 2'). It sits inside a CSS string in
 * <style>, where HTML escaping means nothing, so only characters harmless there are kept.
 */
function pie(titulo: string, numero: string): string {
  return `${titulo} · Expediente ${String(numero).replace(/[^0-9A-Za-z./-]/g, '')}`;
}

function institucion(i: Institucion) {
  return { nombre: i.nombre, ruc: i.ruc, siglas: i.siglas };
}

// ---------------------------------------------------------------------------------------------
// Documents

export async function cargoHtml(d: CargoData): Promise<string> {
  const view = {
    institucion: institucion(d.institucion),
    pie: pie('Cargo de recepción', d.numero),
    numero: d.numero,
    presentadoEn: formatLimaInstant(d.presentadoEn),
    fechaPresentacion: formatDay(d.fechaPresentacion),
    fechaRecepcion: formatLimaInstant(d.fechaRecepcion),
    remitente: {
      nombre: d.remitente.nombre,
      documento: d.remitente.documento,
      representante: d.remitente.representante || null,
      email: d.remitente.email,
    },
    documento: `${d.tipoDocumento} ${d.numeroDocumento || 'S/N'}`.trim(),
    asunto: d.asunto,
    folios: String(d.folios),
    destino: d.destino,
    archivos: d.archivos.map((a, i) => ({
      n: i + 1,
      rol: a.rol,
      nombre: a.nombre,
      sha256: a.sha256,
      tamano: formatBytes(a.bytes),
    })),
    claveSeguimiento: d.claveSeguimiento,
    consultaUrl: d.consultaUrl,
    consultaHref: safeHref(d.consultaUrl),
    fueraDeHorario: Boolean(d.fueraDeHorario),
    diaInhabil: Boolean(d.diaInhabil),
    verificacion: await verificacion(d.codigoVerificacion, d.verificacionUrl, d.sello),
  };
  return run('cargo', view);
}

export async function constanciaHtml(d: ConstanciaData): Promise<string> {
  const view = {
    institucion: institucion(d.institucion),
    pie: pie('Constancia de notificación electrónica', d.expediente),
    expediente: d.expediente,
    administrado: { nombre: d.administrado.nombre, documento: d.administrado.documento, email: d.administrado.email },
    documento: {
      tipo: d.documento.tipo,
      numero: d.documento.numero || 'S/N',
      asunto: d.documento.asunto,
      emisor: d.documento.emisor,
      firmante: d.documento.firmante,
      emitidoEn: d.documento.emitidoEn ? formatLimaInstant(d.documento.emitidoEn) : null,
    },
    contenido: d.contenido || null,
    archivos: d.archivos.map((a, i) => ({ n: i + 1, nombre: a.nombre, sha256: a.sha256, tamano: formatBytes(a.bytes) })),
    depositadoEn: formatLimaInstant(d.depositadoEn),
    plazo: d.plazo
      ? {
          descripcion: d.plazo.descripcion,
          inicio: formatDay(d.plazo.inicio),
          venceDia: formatLimaDay(d.plazo.vence),
          vence: formatLimaInstant(d.plazo.vence),
        }
      : null,
    verificacion: await verificacion(d.codigoVerificacion, d.verificacionUrl, d.sello),
  };
  return run('constancia', view);
}

// ---------------------------------------------------------------------------------------------
// Cargo of a submission after the filing: a subsanación or an escrito (issue #14)

export interface CargoEscritoData {
  institucion: Institucion;
  /** What was submitted: 'Subsanación de observaciones', 'Escrito N.º 2'. */
  titulo: string;
  numero: string; // the expediente, '00123-2026'
  presentadoEn: Date;
  fechaPresentacion: string; // 'YYYY-MM-DD' legal date (Ley 31465)
  fechaRecepcion: Date; // office reception instant
  remitente: Remitente;
  asunto: string;
  contenido: string;
  archivos: { rol: 'Principal' | 'Anexo' | 'Documento'; nombre: string; bytes: number; sha256: string }[];
  codigoVerificacion: string;
  verificacionUrl: string;
  /** Sent on a day that was not a business day (domain/calendar.ts enDiaInhabil): the note says so. */
  diaInhabil?: boolean;
  /** The signature this cargo is about to get (lib/pdf.ts issue). */
  sello?: Sello;
}

export async function cargoEscritoHtml(d: CargoEscritoData): Promise<string> {
  const view = {
    institucion: institucion(d.institucion),
    pie: pie(`Cargo de presentación — ${d.titulo}`, d.numero),
    titulo: d.titulo,
    numero: d.numero,
    presentadoEn: formatLimaInstant(d.presentadoEn),
    fechaPresentacion: formatDay(d.fechaPresentacion),
    fechaRecepcion: formatLimaInstant(d.fechaRecepcion),
    remitente: { nombre: d.remitente.nombre, documento: d.remitente.documento, representante: d.remitente.representante || null, email: d.remitente.email },
    asunto: d.asunto,
    contenido: d.contenido || null,
    archivos: d.archivos.map((a, i) => ({ n: i + 1, rol: a.rol, nombre: a.nombre, sha256: a.sha256, tamano: formatBytes(a.bytes) })),
    fueraDeHorario: d.fechaRecepcion.getTime() !== d.presentadoEn.getTime(),
    diaInhabil: Boolean(d.diaInhabil),
    verificacion: await verificacion(d.codigoVerificacion, d.verificacionUrl, d.sello),
  };
  return run('cargoEscrito', view);
}

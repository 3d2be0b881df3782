// Reading cases: one case as its viewer may see it (anyone else is told it does not exist), its
// full view (files, seguimiento, notifications), and the list of the cases a viewer may see.
import { z } from 'zod';
import { formatInstant, isValidDay } from '../../domain/calendar';
import { NUMERO_EXPEDIENTE } from '../../domain/formats';
import { ESTADOS, OPEN_STATES, type Estado } from '../../domain/lifecycle';
import type { Principal } from '../../domain/principal';
import { notaVisible } from '../../domain/publicidad';
import { notificacionConPlazo, plazoVisible, type PlazoVisible } from '../../domain/plazos-visibles';
import { Documento, Expediente, Historial, Notificacion, TipoDocumento, Unidad, type RolDocumento } from '../../lib/models';
import type { DocRef } from '../../workflows/definitions';
import type { AppDeps } from '../deps';
import { escritosDe, type EscritoVista } from './cargos';
import { notFound } from '../errors';
import { parse } from '../validation';

/** The case as `p` may see it (domain/visibility.ts); anyone else gets 404, as if it did not exist. */
export async function visibleExpediente(deps: AppDeps, p: Principal, numero: string): Promise<Expediente> {
  const row = NUMERO_EXPEDIENTE.test(numero) ? await Expediente.query(deps.db).modify('visibleTo', p).findOne({ numero }) : undefined;
  if (!row) throw notFound('El expediente no existe.');
  return row;
}

export interface DocumentoVista {
  id: number;
  rol: RolDocumento;
  nombre: string;
  bytes: number;
  mime: string;
  paginas: number | null;
  sha256: string;
  vigente: boolean;
  url: string;
}

export interface PasoSeguimiento {
  secuencia: number;
  accion: string;
  estadoAnterior: Estado | null;
  estadoNuevo: Estado;
  actor: string;
  unidad: string | null;
  nota: string | null;
  documentos: DocRef[];
  ocurridoEn: string;
  /** The document this step deposited in the filer's casilla (the response of an ATENDER), as the casilla names it. */
  notificacion: { id: number; tipo: string; numero: string } | null;
}

/** What was deposited in the filer's casilla, and when it was read (acuse de lectura). */
export interface NotificacionVista {
  id: number;
  tipo: string;
  numero: string;
  asunto: string;
  depositadoEn: string;
  leidoEn: string | null;
  venceEn: string | null;
  url: string;
  constanciaUrl: string | null;
}

/** What every view of a case shows first, in its detail and in a tray's row alike. */
export interface ExpedienteCabecera {
  numero: string;
  estado: Estado;
  tipoDocumento: string;
  tipoDocumentoNombre: string;
  numeroDocumento: string | null;
  asunto: string;
  remitente: string;
  folios: number | null;
  unidad: string | null;
  recibido: boolean;
  fechaPresentacion: string | null;
  fechaRecepcion: string | null;
  /** The end of the plazo running now (null once the case ended). */
  venceEn: string | null;
  vencido: boolean;
  /** That plazo and whose it is, as the viewer reads it (domain/plazos-visibles.ts). */
  plazo: PlazoVisible | null;
}

export interface ExpedienteDetalle extends ExpedienteCabecera {
  contenido: string | null;
  antecedente: string | null;
  destino: string | null;
  destinoNombre: string | null;
  presentadoEn: string;
  cargoUrl: string;
  codigoVerificacion: string | null;
  documentos: DocumentoVista[];
  seguimiento: PasoSeguimiento[];
  notificaciones: NotificacionVista[];
  /** Its subsanaciones and escritos, each with its cargo (issue #14). */
  escritos: EscritoVista[];
}

const instantOrNull = (d: Date | null) => (d ? formatInstant(new Date(d)) : null);

/** A finished case keeps its last deadline in the read model: none runs any more. */
const venceVigente = (r: Pick<Expediente, 'estado' | 'vence_en'>) => (OPEN_STATES.includes(r.estado) ? instantOrNull(r.vence_en) : null);

/** The case's plazo as `viewer` reads it: the filer's own words («Su plazo…») or staff's. */
export const plazoPara = (viewer: Principal, r: Pick<Expediente, 'estado' | 'vence_en'>) =>
  plazoVisible({ estado: r.estado, venceEn: venceVigente(r) }, viewer.kind !== 'cuenta' || viewer.rol === 'ciudadano');

/** The case with its files, its seguimiento and its notifications, as `viewer` may read it. */
export async function expedienteDetail(deps: AppDeps, row: Expediente, viewer: Principal): Promise<ExpedienteDetalle> {
  const [historial, documentos, destino, tipo, notificaciones] = await Promise.all([
    Historial.query(deps.db).where({ expediente_id: row.id }).orderBy('secuencia'),
    Documento.query(deps.db).where({ expediente_id: row.id }).orderBy('id'),
    row.destino ? Unidad.query(deps.db).findById(row.destino) : undefined,
    TipoDocumento.query(deps.db).findById(row.tipo_documento),
    Notificacion.query(deps.db).where({ expediente_id: row.id }).orderBy('id'),
  ]);
  const escritos = await escritosDe(deps, row);
  const notificadas = depositadaPor(notificaciones);
  return {
    numero: row.numero,
    estado: row.estado,
    tipoDocumento: row.tipo_documento,
    tipoDocumentoNombre: tipo?.nombre ?? row.tipo_documento,
    numeroDocumento: row.numero_documento,
    asunto: row.asunto,
    contenido: row.contenido,
    antecedente: row.antecedente,
    destino: row.destino,
    destinoNombre: destino?.nombre ?? null,
    folios: row.folios,
    remitente: row.remitente,
    unidad: row.unidad,
    recibido: row.recibido,
    presentadoEn: formatInstant(new Date(row.presentado_en)),
    fechaPresentacion: row.fecha_presentacion,
    fechaRecepcion: instantOrNull(row.recibido_en),
    venceEn: venceVigente(row),
    vencido: row.vencido,
    plazo: plazoPara(viewer, row),
    cargoUrl: `/api/v1/expedientes/${row.numero}/cargo.pdf`,
    codigoVerificacion: row.codigo_verificacion,
    documentos: documentos.map(documentoVista),
    seguimiento: historial.map((h) => pasoSeguimiento(h, viewer, notificadas)),
    notificaciones: notificaciones.map(notificacionVista),
    escritos,
  };
}

const documentoVista = (d: Documento): DocumentoVista => ({
  id: d.id,
  rol: d.rol,
  nombre: d.nombre,
  bytes: Number(d.bytes),
  mime: d.mime,
  paginas: d.paginas,
  sha256: d.sha256,
  vigente: d.vigente,
  url: `/api/v1/documentos/${d.id}`,
});

/** Each notification by the step that deposited it: its `evento` ends with that step's secuencia. */
const depositadaPor = (notificaciones: Notificacion[]) => new Map(notificaciones.map((n) => [Number(n.evento.split(':').at(-1)), n]));

const pasoSeguimiento = (h: Historial, viewer: Principal, notificadas: Map<number, Notificacion>): PasoSeguimiento => ({
  secuencia: h.secuencia,
  accion: h.accion,
  estadoAnterior: h.estado_anterior,
  estadoNuevo: h.estado_nuevo,
  actor: h.actor,
  unidad: h.unidad,
  nota: notaVisible(h.accion, viewer) ? h.nota : null,
  documentos: h.documentos,
  ocurridoEn: formatInstant(new Date(h.ocurrido_en)),
  notificacion: notificadaEn(notificadas.get(h.secuencia)),
});

const notificadaEn = (n: Notificacion | undefined) => (n ? { id: n.id, tipo: n.documento_tipo, numero: n.documento_numero } : null);

const notificacionVista = (n: Notificacion): NotificacionVista => ({
  id: n.id,
  tipo: n.documento_tipo,
  numero: n.documento_numero,
  asunto: n.asunto,
  depositadoEn: formatInstant(new Date(n.depositada_en)),
  leidoEn: instantOrNull(n.leida_en),
  venceEn: instantOrNull(n.vence),
  url: `/api/v1/casilla/${n.id}`,
  constanciaUrl: n.constancia_sha256 ? `/api/v1/casilla/${n.id}/constancia.pdf` : null,
});

// ---------------------------------------------------------------------------------------------
// Lists

const listSchema = z.object({
  desde: z.string().refine(isValidDay, 'La fecha «desde» debe ser AAAA-MM-DD.').optional(),
  hasta: z.string().refine(isValidDay, 'La fecha «hasta» debe ser AAAA-MM-DD.').optional(),
  numero: z.string().trim().max(20).optional(),
  asunto: z.string().trim().max(200).optional(),
  estado: z.enum(ESTADOS, { error: 'Estado desconocido.' }).optional(),
  unidad: z.string().trim().max(20).optional(),
  despues: z.coerce.number({ error: 'El cursor de página no es válido.' }).int().positive().optional(),
  limite: z.coerce.number().int().min(1).max(100).default(20),
});

export interface ExpedienteResumen {
  numero: string;
  estado: Estado;
  tipoDocumento: string;
  asunto: string;
  unidad: string | null;
  remitente: string;
  presentadoEn: string;
  fechaPresentacion: string | null;
  venceEn: string | null;
  vencido: boolean;
  plazo: PlazoVisible | null;
}

export interface ListaExpedientes {
  expedientes: ExpedienteResumen[];
  /** The cursor of the next page (`despues`), null on the last one. */
  siguiente: number | null;
}

const likeText = (s: string) => `%${s.replace(/[%_\\]/g, '')}%`;

/**
 * The cases `p` may see (their own for a citizen or a system, their office's for an office, all
 * for other staff), filtered by `filtros` (a query string: desde, hasta, numero, asunto, estado,
 * unidad, despues, limite), newest first, by keyset.
 */
export async function listExpedientes(deps: AppDeps, p: Principal, filtros: unknown): Promise<ListaExpedientes> {
  const f = parse(listSchema, filtros);
  const q = Expediente.query(deps.db)
    .modify('visibleTo', p)
    .select('id', 'numero', 'estado', 'tipo_documento', 'asunto', 'unidad', 'presentado_en', 'fecha_presentacion', 'vence_en', 'vencido', 'remitente');
  if (f.desde) q.where('fecha_presentacion', '>=', f.desde);
  if (f.hasta) q.where('fecha_presentacion', '<=', f.hasta);
  if (f.numero) q.where('numero', 'like', likeText(f.numero));
  if (f.asunto) q.where('asunto', 'ilike', likeText(f.asunto));
  if (f.estado) q.where({ estado: f.estado });
  if (f.unidad) q.where({ unidad: f.unidad });
  if (f.despues) q.where('id', '<', f.despues);
  const rows = await q.orderBy('id', 'desc').limit(f.limite + 1);
  const page = rows.slice(0, f.limite);
  return {
    expedientes: page.map((r) => ({
      numero: r.numero,
      estado: r.estado,
      tipoDocumento: r.tipo_documento,
      asunto: r.asunto,
      unidad: r.unidad,
      remitente: r.remitente,
      presentadoEn: formatInstant(new Date(r.presentado_en)),
      fechaPresentacion: r.fecha_presentacion,
      venceEn: venceVigente(r),
      vencido: r.vencido,
      plazo: plazoPara(p, r),
    })),
    siguiente: rows.length > f.limite ? page[page.length - 1].id : null,
  };
}

// ---------------------------------------------------------------------------------------------
// A notification's plazo

/**
 * The plazo a notification `viewer` opened still runs, as the case's page shows it, with the case's
 * state: only the observation the case is still OBSERVADO for has one (domain/plazos-visibles.ts).
 * `n` comes from services/casilla, which already checked that `viewer` may open it.
 */
export async function plazoDeNotificacion(
  deps: AppDeps,
  viewer: Principal,
  n: { id: number; expediente: string; categoria: Notificacion['tipo']; venceEn: string | null },
): Promise<{ estado: Estado; plazo: PlazoVisible | null }> {
  const caso = await Expediente.query(deps.db).findOne({ numero: n.expediente }).select('id', 'estado', 'vence_en').throwIfNotFound();
  const ultima = await Notificacion.query(deps.db).where({ expediente_id: caso.id, tipo: 'OBSERVACION' }).orderBy('id', 'desc').first().select('id');
  if (!notificacionConPlazo(n, { estado: caso.estado, observacionVigente: ultima?.id ?? null })) return { estado: caso.estado, plazo: null };
  // The case's deadline moves with the calendar; the one deposited is the fallback while it is computed.
  return { estado: caso.estado, plazo: plazoPara(viewer, { estado: caso.estado, vence_en: caso.vence_en ?? (n.venceEn ? new Date(n.venceEn) : null) }) };
}

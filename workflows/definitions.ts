// Messages of the workflows: the only workflow module the API imports.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Estado, Rol } from '../domain/lifecycle';

export const WORKFLOW_TYPE = 'expedienteWorkflow';
export const workflowIdFor = (numero: string) => {
  const [n, year] = numero.split('-');
  return `expediente-${year}-${n}`;
};

/** Failure type of a refused update; the API answers it with 409 (state) or 403 (who). */
export const REFUSED = 'AccionNoPermitida';
export const FORBIDDEN = 'AccionProhibida';

export interface Actor {
  usuario: string;
  rol: Rol;
  unidad?: string | null;
}

/** A stored file attached to a transition (its SHA-256 is the storage key). */
export interface DocRef {
  id: number;
  nombre: string;
  sha256: string;
}

/**
 * A file uploaded with an action, already in storage: its document row is written with the
 * transition that carries it (activities/projection.ts), so an action that never happened (refused,
 * or Temporal unreachable) leaves no document behind.
 */
export interface NuevoDocumento {
  rol: 'RESPUESTA' | 'SUBSANACION' | 'ANEXO' | 'NOTIFICACION' | 'ESCRITO';
  nombre: string;
  sha256: string;
  bytes: number;
  mime: string;
  paginas: number | null;
  /** The account that uploaded it (null for another institution's system). */
  subidoPor: number | null;
  subidoEn: string;
}

/** The files of an action: new uploads; updates sent before 2026-11-29 carried recorded ones. */
export type Adjunto = NuevoDocumento | DocRef;

/** The filing's data an actualizar changes (only what really changes). */
export interface CambiosExpediente {
  asunto?: string;
  contenido?: string;
  folios?: number;
}

export interface Plazos {
  validacion: number;
  subsanacion: number;
  atencion: number;
}

/** Who filed the case: a citizen's account or another institution's system (the other is null). */
export interface Presentante {
  cuentaId: number | null;
  apiTokenId: number | null;
}

export interface ExpedienteInput {
  numero: string;
  /** Who filed it, so only they add escritos; cases started before 2026-12-01 have none (role only). */
  presentante?: Presentante;
  tipoDocumento: string;
  presentadoEn: string;
  /** Fecha de recepción (office clock): the office's plazos run from here. */
  recibidoEn: string;
  unidad: string | null;
  plazos: Plazos;
}

export interface Deadline {
  tipo: 'validacion' | 'subsanacion' | 'atencion';
  vence: string;
}

export interface EstadoView {
  numero: string;
  estado: Estado;
  unidad: string | null;
  recibido: boolean;
  secuencia: number;
  plazo: Deadline | null;
  vencido: boolean;
}

export interface ObservarInput {
  actor: Actor;
  motivo: string;
}
export interface SubsanarInput {
  actor: Actor;
  nota: string;
  documentos: Adjunto[];
  /** Its cargo's data; subsanaciones sent before 2026-12-01 got no cargo. */
  recepcion?: Recepcion;
}
export interface ActualizarInput {
  actor: Actor;
  nota: string;
  documentos: Adjunto[];
  cambios?: CambiosExpediente;
}
export interface AnularInput {
  actor: Actor;
  motivo: string | null;
}
export interface DerivarInput {
  actor: Actor;
  unidad: string;
  proveido: string;
}
export interface RecibirInput {
  actor: Actor;
}
export interface AtenderInput {
  actor: Actor;
  comentario: string;
  documentos: Adjunto[];
  /**
   * The response's document type (a code of the catalogue) and its number as the office writes it;
   * absent or null: «Documento de respuesta» with a number of the system's (as before 2026-11-29).
   */
  tipoDocumento?: string | null;
  numeroDocumento?: string | null;
}

/** Staff deposit documents in the filer's casilla (a notification outside the other actions). */
export interface NotificarInput {
  actor: Actor;
  asunto: string;
  detalle: string;
  /** A code of the document-type catalogue, and the document's own number (null: one is assigned). */
  tipoDocumento: string;
  numeroDocumento: string | null;
  documentos: Adjunto[];
}

/**
 * When a citizen's submission after the filing (an escrito, a subsanación) was received, as its
 * cargo prints it: the two legal dates of DESIGN.md "Legal time" and the cargo's verification code.
 */
export interface Recepcion {
  /** The instant it was received (ISO). */
  presentadoEn: string;
  /** Fecha de presentación (Ley 31465): its Lima day if a business day, else the next one. */
  fechaPresentacion: string;
  /** Fecha de recepción (office clock): the instant, or the next opening outside business hours. */
  recibidoEn: string;
  codigoVerificacion: string;
}

/** The filer adds a document to the case in any state but ANULADO/ARCHIVADO; its state does not change. */
export interface EscritoInput {
  actor: Actor;
  /** Who sends it: the case's validator refuses anyone but its filer. */
  presentante: Presentante;
  asunto: string;
  contenido: string;
  /** The escrito (a PDF) first, then its anexos. */
  documentos: NuevoDocumento[];
  recepcion: Recepcion;
  /** The filer's Idempotency-Key, scoped to them and the case: a retried request finds the first escrito. */
  idempotencyKey: string | null;
}

/** The escrito as recorded: its row and its number in the case (Escrito N.º 1, 2, …). */
export interface EscritoHecho {
  id: number;
  numero: number;
}

export const observarUpdate = defineUpdate<EstadoView, [ObservarInput]>('observar');
export const subsanarUpdate = defineUpdate<EstadoView, [SubsanarInput]>('subsanar');
export const actualizarUpdate = defineUpdate<EstadoView, [ActualizarInput]>('actualizar');
export const anularUpdate = defineUpdate<EstadoView, [AnularInput]>('anular');
export const derivarUpdate = defineUpdate<EstadoView, [DerivarInput]>('derivar');
export const recibirUpdate = defineUpdate<EstadoView, [RecibirInput]>('recibir');
export const atenderUpdate = defineUpdate<EstadoView, [AtenderInput]>('atender');
export const notificarUpdate = defineUpdate<EstadoView, [NotificarInput]>('notificar');
export const escritoUpdate = defineUpdate<EscritoHecho, [EscritoInput]>('presentarEscrito');
export const estadoQuery = defineQuery<EstadoView>('estado');
/** The calendar changed (a non-working day added or removed): deadlines are computed again. */
export const calendarioSignal = defineSignal('calendarioActualizado');

// Search attributes carry no personal data: number, state, office, type, deadline, overdue.
export const searchAttributes = {
  expediente: defineSearchAttributeKey('Expediente', SearchAttributeType.KEYWORD),
  estado: defineSearchAttributeKey('Estado', SearchAttributeType.KEYWORD),
  unidad: defineSearchAttributeKey('Unidad', SearchAttributeType.KEYWORD),
  tipoDocumento: defineSearchAttributeKey('TipoDocumento', SearchAttributeType.KEYWORD),
  venceEn: defineSearchAttributeKey('VenceEn', SearchAttributeType.DATETIME),
  vencido: defineSearchAttributeKey('Vencido', SearchAttributeType.BOOL),
};

export const CORREO_WORKFLOW_TYPE = 'correoWorkflow';
export const correoWorkflowId = (correoId: number) => `correo-${correoId}`;
export interface CorreoInput {
  correoId: number;
  maxRetrySeconds: number;
}

/** An escrito to a case whose own workflow has ended (an ATENDIDO case): recorded by a workflow of its own. */
export const ESCRITO_WORKFLOW_TYPE = 'escritoWorkflow';
/** One per escrito: `clave` is its scoped Idempotency-Key's hash, or its verification code. */
export const escritoWorkflowId = (numero: string, clave: string) => `escrito-${workflowIdFor(numero).slice('expediente-'.length)}-${clave}`;
export interface EscritoCerradoInput {
  numero: string;
  escrito: EscritoInput;
}
/** Each cargo of an escrito or subsanación is printed and mailed by a workflow of its own. */
export const cargoEscritoWorkflowId = (escritoId: number) => `cargo-escrito-${escritoId}`;

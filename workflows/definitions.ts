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
  rol: 'RESPUESTA' | 'SUBSANACION' | 'ANEXO' | 'NOTIFICACION';
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

export interface ExpedienteInput {
  numero: string;
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

export const observarUpdate = defineUpdate<EstadoView, [ObservarInput]>('observar');
export const subsanarUpdate = defineUpdate<EstadoView, [SubsanarInput]>('subsanar');
export const actualizarUpdate = defineUpdate<EstadoView, [ActualizarInput]>('actualizar');
export const anularUpdate = defineUpdate<EstadoView, [AnularInput]>('anular');
export const derivarUpdate = defineUpdate<EstadoView, [DerivarInput]>('derivar');
export const recibirUpdate = defineUpdate<EstadoView, [RecibirInput]>('recibir');
export const atenderUpdate = defineUpdate<EstadoView, [AtenderInput]>('atender');
export const notificarUpdate = defineUpdate<EstadoView, [NotificarInput]>('notificar');
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

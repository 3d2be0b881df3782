// Messages of the expediente workflow: the only workflow module the API imports.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { Estado } from '../domain/lifecycle';

export const WORKFLOW_TYPE = 'expedienteWorkflow';
export const workflowIdFor = (numero: string) => {
  const [n, year] = numero.split('-');
  return `expediente-${year}-${n}`;
};

/** Failure type of a refused update; the API answers it with 409 and the failure's message. */
export const REFUSED = 'AccionNoPermitida';

export interface Actor {
  usuario: string;
  rol: string;
  unidad?: string | null;
}

export interface ExpedienteInput {
  numero: string;
  tipoDocumento: string;
  presentadoEn: string;
  unidad: string | null;
}

export interface EstadoView {
  numero: string;
  estado: Estado;
  unidad: string | null;
  secuencia: number;
}

export interface DerivarInput {
  actor: Actor;
  unidad: string;
  proveido: string;
}

export interface AtenderInput {
  actor: Actor;
  comentario: string;
}

export const derivarUpdate = defineUpdate<EstadoView, [DerivarInput]>('derivar');
export const atenderUpdate = defineUpdate<EstadoView, [AtenderInput]>('atender');
export const estadoQuery = defineQuery<EstadoView>('estado');

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

// The case's live state inside its workflow, and the one way it changes: a recorded transition.
import { upsertSearchAttributes } from '@temporalio/workflow';
import type { Estado, UltimaAccion } from '../../domain/lifecycle';
import { searchAttributes, type Actor, type Adjunto, type CambiosExpediente, type DocRef, type EstadoView, type ExpedienteInput } from '../definitions';
import { acts } from './acts';

export const SISTEMA: Actor = { usuario: 'sistema', rol: 'supervisor' };

export interface TransitionChanges {
  unidad?: string | null;
  recibido?: boolean;
  nota?: string | null;
  documentos?: Adjunto[];
  cambios?: CambiosExpediente;
  /** A step that leaves the case as it was (an escrito): not the trays' last action. */
  keepsLastAction?: boolean;
}

/** An observation awaiting subsanación: who made it, from which state, when it reached the casilla. */
export interface Observacion {
  depositadoEn: string;
  estadoPrevio: Estado;
  actor: Actor;
}

export class Caso {
  readonly s: EstadoView;
  ultimo: UltimaAccion | null = null;
  // The office's plazo: from `desde`, `dias` business days; paused (consumed days kept) while observed.
  readonly oficina: { desde: string; dias: number };
  observacion: Observacion | null = null;
  calendarChanged = false;
  plazoDirty = true;

  constructor(readonly input: ExpedienteInput) {
    this.s = {
      numero: input.numero,
      estado: 'PENDIENTE_VALIDACION',
      unidad: input.unidad,
      recibido: false,
      secuencia: 0,
      plazo: null,
      vencido: false,
    };
    this.oficina = { desde: input.recibidoEn, dias: input.plazos.atencion };
  }

  readonly view = (): EstadoView => ({ ...this.s, plazo: this.s.plazo && { ...this.s.plazo } });

  // State changes happen synchronously, before any await, so a concurrent update's validator
  // already sees them and is refused instead of acting on a stale state.
  async transition(accion: string, actor: Actor, to: Estado, changes: TransitionChanges = {}) {
    return (await this.record(accion, actor, to, changes)).view;
  }

  /** A transition, with its documents as the read model recorded them (with their ids). */
  async record(accion: string, actor: Actor, to: Estado, changes: TransitionChanges = {}) {
    const s = this.s;
    const from = s.secuencia === 0 ? null : s.estado;
    const at = new Date().toISOString();
    if (to !== s.estado || changes.unidad !== undefined) this.plazoDirty = true;
    s.estado = to;
    if (changes.unidad !== undefined) s.unidad = changes.unidad;
    if (changes.recibido !== undefined) s.recibido = changes.recibido;
    s.secuencia += 1;
    this.ultimo = { accion, usuario: actor.usuario, en: at };
    upsertSearchAttributes([
      { key: searchAttributes.estado, value: s.estado },
      { key: searchAttributes.unidad, value: s.unidad ?? '' },
    ]);
    const recorded = await acts.recordTransition({
      numero: s.numero,
      secuencia: s.secuencia,
      accion,
      estadoAnterior: from,
      estadoNuevo: to,
      actor: actor.usuario,
      unidad: s.unidad,
      recibido: s.recibido,
      nota: changes.nota ?? null,
      ocurridoEn: at,
      documentos: changes.documentos ?? [],
      cambios: changes.cambios,
      ...(changes.keepsLastAction ? { keepsLastAction: true } : {}),
    });
    // Recorded before 2026-11-29 (the activity answered nothing): the update carried the ids.
    return { view: this.view(), documentos: recorded ?? ((changes.documentos ?? []) as DocRef[]) };
  }
}

// Which deadline a case shows, and whose it is (DESIGN.md "Expediente lifecycle"): while the entity
// holds the case, its own plazo to validate or to attend; while the case is observed, the filer's
// plazo to subsanar; once the case ended, none. Pure: the case's services, its pages and the casilla
// read it, so every page names a deadline the same way.
import { fechaHoraConDia, type NotificacionTipo } from './formats';
import type { Estado } from './lifecycle';

export type PlazoTipo = 'validacion' | 'subsanacion' | 'atencion';

/** Who must act before the deadline. */
export type Obligado = 'entidad' | 'administrado';

/** The plazo each open state runs (the workflow's timers, workflows/expediente/plazos.ts); final states run none. */
const EN_CURSO: Partial<Record<Estado, { tipo: PlazoTipo; de: Obligado }>> = {
  PENDIENTE_VALIDACION: { tipo: 'validacion', de: 'entidad' },
  OBSERVADO: { tipo: 'subsanacion', de: 'administrado' },
  DERIVADO: { tipo: 'atencion', de: 'entidad' },
};

/** Whose deadline, as the filer reads it and as staff do. */
const DESCRIPCION: Record<PlazoTipo, { administrado: string; personal: string }> = {
  validacion: { administrado: 'Plazo de la entidad para validar', personal: 'Plazo de la entidad para validar' },
  atencion: { administrado: 'Plazo de la entidad para atender', personal: 'Plazo de la entidad para atender' },
  subsanacion: { administrado: 'Su plazo para subsanar', personal: 'Plazo del administrado para subsanar' },
};

export interface PlazoVisible {
  tipo: PlazoTipo;
  de: Obligado;
  /** «Su plazo para subsanar», «Plazo del administrado para subsanar», «Plazo de la entidad para atender». */
  descripcion: string;
  /** When it ends, as the read model has it (an ISO instant). */
  venceEn: string;
}

/**
 * The deadline a case shows to its filer (`paraAdministrado`) or to staff: the one its state runs,
 * when the workflow has computed it; null once the case ended (attended, annulled, archived).
 */
export function plazoVisible(c: { estado: Estado; venceEn: string | null }, paraAdministrado: boolean): PlazoVisible | null {
  const enCurso = EN_CURSO[c.estado];
  if (!enCurso || !c.venceEn) return null;
  return { ...enCurso, descripcion: DESCRIPCION[enCurso.tipo][paraAdministrado ? 'administrado' : 'personal'], venceEn: c.venceEn };
}

/** The deadline written out: 'Subsanar hasta el martes 01/12/2026, 23:59', 'Hasta el jueves 14/01/2027, 23:59'. */
export function plazoEscrito(p: Pick<PlazoVisible, 'tipo' | 'venceEn'>): string {
  return `${p.tipo === 'subsanacion' ? 'Subsanar hasta' : 'Hasta'} el ${fechaHoraConDia(p.venceEn)}`;
}

/**
 * A notification's plazo still runs: it is the observation the case is still OBSERVADO for
 * (`observacionVigente`: the id of the case's latest observation). An observation already
 * subsanado, or one whose case was archived, has no deadline left to show.
 */
export function notificacionConPlazo(n: { id: number; categoria: NotificacionTipo }, c: { estado: Estado; observacionVigente: number | null }): boolean {
  return n.categoria === 'OBSERVACION' && c.estado === 'OBSERVADO' && c.observacionVigente === n.id;
}

// How staff are told that work arrived (issue #15): each person's choice, and who is told of what. Pure.
import type { Estado } from './lifecycle';
import type { RolCuenta } from './principal';

export const PREFERENCIAS_AVISOS = ['CADA_AVISO', 'RESUMEN_DIARIO', 'NINGUNO'] as const;
export type PreferenciaAvisos = (typeof PREFERENCIAS_AVISOS)[number];

export const PREFERENCIA_AVISOS_LABEL: Readonly<Record<PreferenciaAvisos, string>> = {
  CADA_AVISO: 'Cada aviso',
  RESUMEN_DIARIO: 'Resumen diario',
  NINGUNO: 'Ninguno',
};

/**
 * The roles that receive work: mesa de partes and office staff. Supervisors and admins are tied to
 * no tray (they follow the dashboard and are alerted of overdue cases), so they choose nothing here.
 */
export const recibeAvisos = (rol: RolCuenta) => rol === 'mesa_partes' || rol === 'unidad';

export type TipoAviso = 'DERIVACION' | 'SUBSANACION' | 'ESCRITO';

/** Whose desk a case is on: mesa de partes, or the staff of one office. */
export type Destinatarios = { mesa: true } | { mesa: false; unidad: string };

/** A derivation goes to the staff of the office it names. */
export const destinatariosDerivacion = (unidad: string): Destinatarios => ({ mesa: false, unidad });

/**
 * A subsanación returns the case to whoever observed it: mesa de partes when the case was still in
 * reception (whoever clicked, a supervisor too), the office holding it when it had been derived.
 */
export function destinatariosSubsanacion(observacion: { estadoAnterior: Estado | null; unidad: string | null } | null): Destinatarios {
  if (observacion?.estadoAnterior === 'DERIVADO' && observacion.unidad) return { mesa: false, unidad: observacion.unidad };
  return { mesa: true };
}

/** The tray a case waits in after a subsanación, by the state it returned to. */
export const bandejaTrasSubsanar = (estado: Estado) => (estado === 'DERIVADO' ? 'en-proceso' : 'por-validar');

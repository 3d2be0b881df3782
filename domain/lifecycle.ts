// Which action each expediente state allows, and to whom (DESIGN.md "Expediente lifecycle").
// Pure: shared by the workflow (update validators) and the API (fast refusals, buttons to show).
import { formatInstant } from './calendar';

export const ESTADOS = [
  'PENDIENTE_VALIDACION',
  'OBSERVADO',
  'DERIVADO',
  'ATENDIDO',
  'ANULADO',
  'ARCHIVADO',
] as const;
export type Estado = (typeof ESTADOS)[number];

export const ESTADO_LABEL: Record<Estado, string> = {
  PENDIENTE_VALIDACION: 'pendiente de validación',
  OBSERVADO: 'observado',
  DERIVADO: 'derivado',
  ATENDIDO: 'atendido',
  ANULADO: 'anulado',
  ARCHIVADO: 'archivado',
};

/** The case is still in trámite: it has a plazo, staff may notify, trays list it as active. */
export const OPEN_STATES: readonly Estado[] = ['PENDIENTE_VALIDACION', 'OBSERVADO', 'DERIVADO'];
export const FINAL_STATES: readonly Estado[] = ESTADOS.filter((e) => !OPEN_STATES.includes(e));

export type Rol = 'ciudadano' | 'sistema' | 'mesa_partes' | 'unidad' | 'supervisor' | 'admin';

export const ACCIONES = ['actualizar', 'anular', 'subsanar', 'observar', 'derivar', 'recibir', 'atender', 'notificar'] as const;
export type Accion = (typeof ACCIONES)[number];

/** What the case looks like to the rules: its state, its office and whether the office took it. */
export interface CaseFacts {
  numero: string;
  estado: Estado;
  unidad: string | null;
  recibido: boolean;
}

export interface Who {
  rol: Rol;
  unidad?: string | null;
}

const FILER: readonly Rol[] = ['ciudadano', 'sistema'];

const RULES: Record<Accion, { estados: readonly Estado[]; roles: readonly Rol[]; verbo: string }> = {
  actualizar: { estados: ['PENDIENTE_VALIDACION'], roles: FILER, verbo: 'actualizar' },
  anular: { estados: ['PENDIENTE_VALIDACION'], roles: FILER, verbo: 'anular' },
  subsanar: { estados: ['OBSERVADO'], roles: FILER, verbo: 'subsanar' },
  observar: { estados: ['PENDIENTE_VALIDACION', 'DERIVADO'], roles: ['mesa_partes', 'unidad', 'supervisor'], verbo: 'observar' },
  derivar: { estados: ['PENDIENTE_VALIDACION', 'DERIVADO'], roles: ['mesa_partes', 'unidad', 'supervisor'], verbo: 'derivar' },
  recibir: { estados: ['DERIVADO'], roles: ['unidad', 'supervisor'], verbo: 'recibir' },
  atender: { estados: ['DERIVADO'], roles: ['unidad', 'supervisor'], verbo: 'atender' },
  // A notification with documents to the filer's casilla, while the case is open.
  notificar: { estados: OPEN_STATES, roles: ['mesa_partes', 'unidad', 'supervisor'], verbo: 'notificar' },
};

export function isAccion(x: string): x is Accion {
  return (ACCIONES as readonly string[]).includes(x);
}

export function rolesFor(accion: Accion): readonly Rol[] {
  return RULES[accion].roles;
}

/** The role alone may not do this (the API answers 403). */
export function roleRefusal(accion: Accion, who: Who): string | null {
  return RULES[accion].roles.includes(who.rol) ? null : 'No tiene permiso para realizar esta acción.';
}

/**
 * Null when `who` may do `accion` on the case now; otherwise the reason, in Spanish. State
 * reasons are what the API answers with 409; role and office reasons with 403.
 */
export function refusal(accion: Accion, c: CaseFacts, who?: Who): string | null {
  const rule = RULES[accion];
  if (!rule.estados.includes(c.estado)) {
    return `No se puede ${rule.verbo} el expediente ${c.numero}: está ${ESTADO_LABEL[c.estado]}.`;
  }
  if (!who) return null;
  const byRole = roleRefusal(accion, who);
  if (byRole) return byRole;
  // Mesa de partes works the cases still in reception; offices, the cases in their office. A case
  // that moved on (a colleague acted first) is a conflict with its state: 409, as a state refusal.
  if (who.rol === 'mesa_partes' && c.estado !== 'PENDIENTE_VALIDACION') {
    return `No se puede ${rule.verbo} el expediente ${c.numero}: ya no está en mesa de partes.`;
  }
  if (who.rol === 'unidad') {
    if (c.estado !== 'DERIVADO' || c.unidad !== who.unidad) return `El expediente ${c.numero} no está en su unidad orgánica.`;
    if (accion === 'recibir' && c.recibido) return `No se puede recibir el expediente ${c.numero}: ya fue recibido.`;
    if ((accion === 'atender' || accion === 'derivar' || accion === 'observar' || accion === 'notificar') && !c.recibido) {
      return `Primero reciba el expediente ${c.numero}.`;
    }
  }
  return null;
}

/** True when the reason is about the state (409) rather than who asks (403). */
export function isStateRefusal(reason: string) {
  return reason.startsWith('No se puede ');
}

/** Who did the case's last action, and when (the workflow's memory or the read model's historial). */
export interface UltimaAccion {
  accion: string;
  usuario: string;
  en: string | Date;
}

/** A state refusal as the 409 says it: who lost a race learns who won it, and when (Lima time). */
export function withUltimaAccion(reason: string, ultima: UltimaAccion | null | undefined): string {
  if (!ultima) return reason;
  return `${reason} Última acción: ${ultima.accion.toLowerCase()} por ${ultima.usuario} (${formatInstant(new Date(ultima.en))}).`;
}

// ---------------------------------------------------------------------------------------------
// Escritos: the filer adds a document to the case (SEI's "peticionamento intercorrente"). It changes
// no state, so it is not an Accion of RULES: the case takes it in any state but the two where it
// ended without an answer.

/** The states in which the filer may add an escrito to the case. */
export const ESCRITO_ESTADOS: readonly Estado[] = ESTADOS.filter((e) => e !== 'ANULADO' && e !== 'ARCHIVADO');

/**
 * Null when `who` may add an escrito to the case now; otherwise the reason, in Spanish: a state
 * reason (409) or a who reason (403). `esPresentante` is false when `who` files, but not this case.
 */
export function escritoRefusal(c: { numero: string; estado: Estado }, who?: Who & { esPresentante?: boolean }): string | null {
  if (!ESCRITO_ESTADOS.includes(c.estado)) return `No se puede presentar un escrito al expediente ${c.numero}: está ${ESTADO_LABEL[c.estado]}.`;
  if (!who) return null;
  if (!FILER.includes(who.rol) || who.esPresentante === false) return 'Solo quien presentó el expediente puede presentarle escritos.';
  return null;
}

/** Staff of the office that holds the case now: its unidad's, or mesa de partes' while it has none. */
export function holdsCase(who: Who, c: { unidad: string | null }): boolean {
  if (c.unidad === null) return who.rol === 'mesa_partes';
  return (who.rol === 'unidad' || who.rol === 'mesa_partes') && who.unidad === c.unidad;
}

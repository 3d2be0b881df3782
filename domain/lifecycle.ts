// Which action each expediente state allows (DESIGN.md "Expediente lifecycle"). Pure: shared by
// the workflow (update validators) and the API (what buttons to show).

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

export const FINAL_STATES: readonly Estado[] = ['ATENDIDO', 'ANULADO', 'ARCHIVADO'];

export type Accion = 'derivar' | 'atender';

const ALLOWED_FROM: Record<Accion, readonly Estado[]> = {
  derivar: ['PENDIENTE_VALIDACION', 'DERIVADO'],
  atender: ['DERIVADO'],
};

const VERBO: Record<Accion, string> = {
  derivar: 'derivar',
  atender: 'atender',
};

export const ACCIONES = Object.keys(ALLOWED_FROM) as Accion[];

export function isAccion(x: string): x is Accion {
  return (ACCIONES as string[]).includes(x);
}

/** Null when `accion` is allowed in `estado`; otherwise the reason, in Spanish, for the citizen or staff. */
export function refusal(accion: Accion, estado: Estado, numero: string): string | null {
  if (ALLOWED_FROM[accion].includes(estado)) return null;
  return `No se puede ${VERBO[accion]} el expediente ${numero}: está ${ESTADO_LABEL[estado]}.`;
}

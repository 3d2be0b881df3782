// How the citizen's submissions after the filing are named: each subsanación and each escrito added
// to a case is numbered per case and kind, and so are its cargo's title and file. Pure. (Which
// states take an escrito, and from whom, is domain/lifecycle.ts `escritoRefusal`.)

export const TIPOS_ESCRITO = ['ESCRITO', 'SUBSANACION'] as const;
export type TipoEscrito = (typeof TIPOS_ESCRITO)[number];

/** What it is called on its cargo, its page and the case's list: 'Escrito N.º 2'. */
export function tituloEscrito(tipo: TipoEscrito, numero: number): string {
  if (tipo === 'ESCRITO') return `Escrito N.º ${numero}`;
  return numero === 1 ? 'Subsanación de observaciones' : `Subsanación de observaciones N.º ${numero}`;
}

/** The path segment of its pages and cargo: /expedientes/{numero}/escritos/2, …/subsanaciones/1. */
export const SEGMENTO_ESCRITO: Readonly<Record<TipoEscrito, string>> = { ESCRITO: 'escritos', SUBSANACION: 'subsanaciones' };

/** Its cargo's file name: 'cargo-escrito-2-00012-2026.pdf'. */
export const cargoEscritoArchivo = (tipo: TipoEscrito, numero: number, expediente: string) =>
  `cargo-${tipo === 'ESCRITO' ? 'escrito' : 'subsanacion'}-${numero}-${expediente}.pdf`;

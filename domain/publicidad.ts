// Which texts of a case the filer reads. Every step of the seguimiento is theirs to see (who holds
// the case, since when, in what state), and so are the observation's reasons, their own texts and
// the response's comment; an instruction one office gives another (the proveído of a derivation)
// is internal to the institution.
import type { Principal } from './principal';

/** Steps whose note is written for staff only. */
const NOTA_INTERNA: ReadonlySet<string> = new Set(['DERIVAR']);

const isStaff = (viewer: Principal) => viewer.kind === 'cuenta' && viewer.rol !== 'ciudadano';

/** May this viewer read the note of a step (`accion` as the seguimiento records it, e.g. DERIVAR)? */
export function notaVisible(accion: string, viewer: Principal): boolean {
  return !NOTA_INTERNA.has(accion) || isStaff(viewer);
}

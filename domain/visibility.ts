// Who may see an expediente: one rule. `maySee` decides it for a case at hand; the `visibleTo`
// modifier of lib/models/expediente.ts is the same rule as SQL, for lists. Both start from
// `scopeOf`, so who sees which set is decided once; each only translates the scope.
//
//   scope (scopeOf)  who                                    maySee(viewer, case)                  visibleTo (SQL)
//   all              mesa de partes, supervisor, admin      true                                  no condition
//   filer            citizen                                case.cuentaId = own account           cuenta_id = ?
//   filingSystem     another institution's system (token)   case.apiTokenId = own token           api_token_id = ?
//   office           office staff with an office            case.unidad = office, or the office   unidad = ? or id in (select
//                                                           is among its historial's offices        expediente_id from historial
//                                                                                                   where unidad = ?)
//   none             office staff without an office; any    false                                 false
//                    other account
//
// The case's state does not matter: a filer keeps seeing an archived case, an office one it answered.
// Trays (services/bandejas/) are work queues, not visibility: they narrow this set further (an office's
// trays show only the cases in it now), never widen it.
import type { Rol } from './lifecycle';

/** Who asks: a person's account or another institution's system (the API's Principal fits). */
export type Viewer =
  | { kind: 'cuenta'; cuentaId: number; rol: Rol; unidad: string | null }
  | { kind: 'sistema'; tokenId: number };

/** What the rule reads of a case (its row, and the offices of its historial). */
export interface VisibilityFacts {
  /** The citizen who filed it (null when a system did). */
  cuentaId: number | null;
  /** The system that filed it (null when a citizen did). */
  apiTokenId: number | null;
  /** The office it is in now; null while in mesa de partes. */
  unidad: string | null;
  /** The offices its historial records it in (historial.unidad): those it passed through. */
  unidadesHistorial: readonly string[];
}

export type Scope =
  | { kind: 'all' }
  | { kind: 'filer'; cuentaId: number }
  | { kind: 'filingSystem'; apiTokenId: number }
  | { kind: 'office'; unidad: string }
  | { kind: 'none' };

/** The set of cases a viewer may see. */
export function scopeOf(v: Viewer): Scope {
  if (v.kind === 'sistema') return { kind: 'filingSystem', apiTokenId: v.tokenId };
  switch (v.rol) {
    case 'ciudadano':
      return { kind: 'filer', cuentaId: v.cuentaId };
    // Mesa de partes takes in every filing; supervisors and admins answer for every office.
    case 'mesa_partes':
    case 'supervisor':
    case 'admin':
      return { kind: 'all' };
    // An office keeps seeing a case it handed on: its own acts are part of it.
    case 'unidad':
      return v.unidad ? { kind: 'office', unidad: v.unidad } : { kind: 'none' };
    case 'sistema':
      return { kind: 'none' };
  }
}

/** True when `v` may see the case; anyone else is told it does not exist (404). */
export function maySee(v: Viewer, c: VisibilityFacts): boolean {
  const s = scopeOf(v);
  switch (s.kind) {
    case 'all':
      return true;
    case 'filer':
      return c.cuentaId === s.cuentaId;
    case 'filingSystem':
      return c.apiTokenId === s.apiTokenId;
    case 'office':
      return c.unidad === s.unidad || c.unidadesHistorial.includes(s.unidad);
    case 'none':
      return false;
  }
}

// Role checks for every staff route and action: 401 without a login, 403 without the role.
import type { Context } from 'koa';
import { HttpError } from '../errors';
import { principal, type Principal, type Rol } from './session';

export function requireCuenta(ctx: Context): Extract<Principal, { kind: 'cuenta' }> {
  const p = principal(ctx);
  if (p?.kind !== 'cuenta') throw new HttpError(401, 'NO_AUTENTICADO', 'Inicie sesión para continuar.');
  return p;
}

export function requireRole(ctx: Context, ...roles: Rol[]) {
  const p = requireCuenta(ctx);
  if (!roles.includes(p.rol)) throw new HttpError(403, 'PROHIBIDO', 'No tiene permiso para realizar esta acción.');
  return p;
}

/** A citizen's account or another institution's system (bearer token). */
export function requireFiler(ctx: Context): Principal {
  const p = principal(ctx);
  if (!p) throw new HttpError(401, 'NO_AUTENTICADO', 'Inicie sesión para continuar.');
  if (p.kind === 'cuenta' && p.rol !== 'ciudadano') {
    throw new HttpError(403, 'PROHIBIDO', 'Las cuentas del personal no presentan expedientes; use una cuenta de ciudadano.');
  }
  return p;
}

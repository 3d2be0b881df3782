// The logged-in account a handler works for. Who may call a route is the route map's `access`
// (http/routes.ts); requireCuenta gives the handler its account, typed.
import type { Context } from 'koa';
import { unauthenticated } from '../../services/errors';
import type { CuentaPrincipal } from '../../domain/principal';
import { requirePrincipal } from '../routes';

/** The account behind the request; a system's token or no login is a 401. */
export function requireCuenta(ctx: Context): CuentaPrincipal {
  const p = requirePrincipal(ctx);
  if (p.kind !== 'cuenta') throw unauthenticated();
  return p;
}

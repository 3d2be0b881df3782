// How a route is declared in http/route-map.ts: method, path, who may call it, and its handler.
// `mountRoutes` turns the map into one Koa router; the access check happens here, once, so a
// handler starts with its principal known (401/403, or a page's redirect to the login).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Principal, RolCuenta } from '../domain/principal';
import { forbidden, unauthenticated } from '../services/errors';
import { principal } from './auth/session';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * - `publico`: anyone, logged in or not.
 * - `principal`: a logged-in account or a system with an API token.
 * - `cuenta`: a logged-in account, any role.
 * - `presentante`: who may file: a citizen's account or a system's token (staff may not).
 * - a list of roles: a logged-in account with one of them.
 */
export type Access = 'publico' | 'principal' | 'cuenta' | 'presentante' | readonly RolCuenta[];

export type Handler = (ctx: Context, deps: AppDeps) => unknown;

export interface RouteDef {
  method: Method;
  path: string;
  access: Access;
  handler: Handler;
}

export const route = (method: Method, path: string, access: Access, handler: Handler): RouteDef => ({ method, path, access, handler });

/** A JSON API route answers 401 to an anonymous caller; a page sends the browser to the login. */
const isApi = (path: string) => path.startsWith('/api/');

export function requirePrincipal(ctx: Context): Principal {
  const p = principal(ctx);
  if (!p) throw unauthenticated();
  return p;
}

function allowed(access: Access, p: Principal): void {
  if (access === 'publico' || access === 'principal') return;
  if (access === 'presentante') {
    if (p.kind === 'cuenta' && p.rol !== 'ciudadano') throw forbidden('Las cuentas del personal no presentan expedientes; use una cuenta de ciudadano.');
    return;
  }
  if (p.kind !== 'cuenta') throw unauthenticated();
  if (access !== 'cuenta' && !access.includes(p.rol)) throw forbidden();
}

function guard(def: RouteDef) {
  return async (ctx: Context, deps: AppDeps) => {
    if (def.access !== 'publico') {
      const p = principal(ctx);
      if (!p && !isApi(def.path)) {
        const volver = ctx.method === 'GET' ? ctx.originalUrl : ctx.path;
        ctx.redirect(`/ingresar?volver=${encodeURIComponent(volver)}`);
        ctx.status = 303;
        return;
      }
      allowed(def.access, requirePrincipal(ctx));
    }
    await def.handler(ctx, deps);
  };
}

export function mountRoutes(routes: readonly RouteDef[], deps: AppDeps) {
  const router = new Router();
  for (const def of routes) {
    const run = guard(def);
    router.register(def.path, [def.method], (ctx: Context) => run(ctx, deps));
  }
  return router;
}

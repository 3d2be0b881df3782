// An account whose role requires a second factor (DOBLE_FACTOR_ROLES) and has none yet may only
// enrol, look at its session, or leave: other API calls answer 403, other pages lead to enrolment.
import type { Context, Next } from 'koa';
import { AppError } from '../../services/errors';
import { principal } from './session';

export const ENROLMENT_PAGE = '/cuenta/segundo-factor';

const API_OPEN = new Set(['POST /api/v1/sesiones', 'POST /api/v1/sesiones/segundo-factor', 'GET /api/v1/sesiones/actual', 'DELETE /api/v1/sesiones/actual']);
const PAGES_OPEN = new Set(['/salir', '/health', '/ready']);

function open(ctx: Context) {
  const path = ctx.path.replace(/\/+$/, '');
  if (path.startsWith('/api/')) return API_OPEN.has(`${ctx.method} ${path}`) || path === '/api/v1/cuentas/segundo-factor' || path.startsWith('/api/v1/cuentas/segundo-factor/');
  return PAGES_OPEN.has(path) || path === ENROLMENT_PAGE || path.startsWith(`${ENROLMENT_PAGE}/`);
}

export async function enrolmentGate(ctx: Context, next: Next) {
  const p = principal(ctx);
  if (p?.kind !== 'cuenta' || !p.mustEnrolTotp || open(ctx)) return next();
  if (ctx.path.startsWith('/api/')) {
    throw new AppError(403, 'SEGUNDO_FACTOR_REQUERIDO', 'Su rol exige la verificación en dos pasos. Actívela antes de continuar.');
  }
  ctx.redirect(ENROLMENT_PAGE);
  ctx.status = 303;
}

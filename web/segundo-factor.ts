// The two-factor page of the logged-in account (/cuenta/segundo-factor): start enrolment (QR code
// and secret), confirm it with a first code (the recovery codes are shown once, in that answer),
// or disable it with password and code. Every rule lives in services/segundo-factor.ts.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import type { CuentaPrincipal } from '../domain/principal';
import { requireCuenta } from '../http/auth/roles';
import { ENROLMENT_PAGE } from '../http/auth/enrolment-gate';
import { confirmEnrolment, disableSecondFactor, pendingEnrolment, secondFactorStatus, startEnrolment } from '../services/segundo-factor';
import { attempt, failed, formOf, problem, seeOther, type Body } from './forms';

async function page(ctx: Context, deps: AppDeps, views: Views, p: CuentaPrincipal, data: Body = {}) {
  const estado = await secondFactorStatus(deps, p.cuentaId, p.rol);
  const pendiente = estado.pendiente ? await pendingEnrolment(deps, p) : undefined;
  views.render(ctx, 'cuenta-segundo-factor', { titulo: 'Verificación en dos pasos', estado, pendiente, obligatorio: p.mustEnrolTotp, ...data });
}

export const segundoFactor = (ctx: Context, deps: AppDeps, views: Views) =>
  page(ctx, deps, views, requireCuenta(ctx), ctx.query.desactivada === '1' ? { aviso: 'Se desactivó la verificación en dos pasos.' } : {});

export async function activar(ctx: Context, deps: AppDeps, views: Views) {
  const p = requireCuenta(ctx);
  const res = await attempt(() => startEnrolment(deps, p));
  if (res.ok) return seeOther(ctx, ENROLMENT_PAGE);
  failed(ctx, res.err);
  await page(ctx, deps, views, p, { alerta: res.err.message });
}

export async function confirmar(ctx: Context, deps: AppDeps, views: Views) {
  const p = requireCuenta(ctx);
  const res = await attempt(() => confirmEnrolment(deps, p, formOf(ctx)));
  // Shown once, in this answer only (not a redirect: the codes are never in a URL).
  if (res.ok) return page(ctx, deps, views, { ...p, mustEnrolTotp: false }, { codigos: res.value.codigosRecuperacion });
  failed(ctx, res.err);
  await page(ctx, deps, views, p, problem(res.err));
}

export async function desactivar(ctx: Context, deps: AppDeps, views: Views) {
  const p = requireCuenta(ctx);
  const res = await attempt(() => disableSecondFactor(deps, p, ctx.ip, formOf(ctx)));
  if (res.ok) return seeOther(ctx, `${ENROLMENT_PAGE}?desactivada=1`);
  failed(ctx, res.err);
  await page(ctx, deps, views, p, problem(res.err));
}

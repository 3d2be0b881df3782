// The two-factor page of the logged-in account (/cuenta/segundo-factor): start enrolment (QR code
// and secret), confirm it with a first code (the recovery codes are shown once, in that answer),
// or disable it with password and code. Every rule lives in api/segundo-factor.ts.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import type { Principal } from '../api/auth/session';
import { ENROLMENT_PAGE } from '../api/auth/enrolment-gate';
import { confirmEnrolment, disableSecondFactor, pendingEnrolment, secondFactorStatus, startEnrolment } from '../api/segundo-factor';
import { attempt, failed, formOf, pageUser, problem, seeOther, type Body } from './pages-cuentas';

type Cuenta = Extract<Principal, { kind: 'cuenta' }>;

export function segundoFactorPageRouter(deps: AppDeps, views: Views) {
  const r = new Router();

  async function page(ctx: Context, p: Cuenta, data: Body = {}) {
    const estado = await secondFactorStatus(deps, p.cuentaId, p.rol);
    const pendiente = estado.pendiente ? await pendingEnrolment(deps, p) : undefined;
    views.render(ctx, 'cuenta-segundo-factor', { titulo: 'Verificación en dos pasos', estado, pendiente, obligatorio: p.mustEnrolTotp, ...data });
  }

  r.get(ENROLMENT_PAGE, async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    await page(ctx, p, ctx.query.desactivada === '1' ? { aviso: 'Se desactivó la verificación en dos pasos.' } : {});
  });

  r.post(ENROLMENT_PAGE, async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    const res = await attempt(() => startEnrolment(deps, p));
    if (res.ok) return seeOther(ctx, ENROLMENT_PAGE);
    failed(ctx, res.err);
    await page(ctx, p, { alerta: res.err.message });
  });

  r.post(`${ENROLMENT_PAGE}/confirmacion`, async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    const res = await attempt(() => confirmEnrolment(deps, p, formOf(ctx)));
    // Shown once, in this answer only (not a redirect: the codes are never in a URL).
    if (res.ok) return page(ctx, { ...p, mustEnrolTotp: false }, { codigos: res.value.codigosRecuperacion });
    failed(ctx, res.err);
    await page(ctx, p, problem(res.err));
  });

  r.post(`${ENROLMENT_PAGE}/desactivacion`, async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    const res = await attempt(() => disableSecondFactor(deps, p, ctx.ip, formOf(ctx)));
    if (res.ok) return seeOther(ctx, `${ENROLMENT_PAGE}?desactivada=1`);
    failed(ctx, res.err);
    await page(ctx, p, problem(res.err));
  });

  return r;
}

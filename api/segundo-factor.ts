// JSON API of the second factor: the code that completes a login, and the logged-in account's
// enrolment (status, start, confirmation) and disabling. The rules are services/segundo-factor.ts's.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import { bodyOf } from '../http/validation';
import { requireCuenta } from '../http/auth/roles';
import { clientOf, startSession } from '../http/auth/session';
import { completeLogin } from '../services/cuentas/sesiones';
import { confirmEnrolment, disableSecondFactor, secondFactorStatus, startEnrolment } from '../services/segundo-factor';

export async function logInWithCode(ctx: Context, deps: AppDeps) {
  ctx.body = startSession(ctx, await completeLogin(deps, bodyOf(ctx), clientOf(ctx)));
}

export async function showSecondFactor(ctx: Context, deps: AppDeps) {
  const p = requireCuenta(ctx);
  ctx.body = await secondFactorStatus(deps, p.cuentaId, p.rol);
}

export async function enrol(ctx: Context, deps: AppDeps) {
  const enrolment = await startEnrolment(deps, requireCuenta(ctx));
  ctx.status = 201;
  ctx.body = enrolment;
}

export async function confirmEnrolmentCode(ctx: Context, deps: AppDeps) {
  const { codigosRecuperacion } = await confirmEnrolment(deps, requireCuenta(ctx), bodyOf(ctx));
  ctx.body = {
    codigosRecuperacion,
    mensaje: 'Se activó la verificación en dos pasos. Guarde estos códigos de recuperación: no se volverán a mostrar.',
  };
}

export async function disable(ctx: Context, deps: AppDeps) {
  await disableSecondFactor(deps, requireCuenta(ctx), ctx.ip, bodyOf(ctx));
  ctx.body = { mensaje: 'Se desactivó la verificación en dos pasos.' };
}

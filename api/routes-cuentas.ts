// JSON API for accounts and sessions (DESIGN.md "API").
import Router from '@koa/router';
import type { AppDeps } from './app';
import { bodyOf } from './validation';
import { notFound } from './errors';
import { requireCuenta, requireRole } from './auth/roles';
import { endSession, principal } from './auth/session';
import {
  changePassword,
  createApiToken,
  createStaff,
  forgotPassword,
  getProfile,
  listApiTokens,
  listStaff,
  login,
  needsCode,
  register,
  resendCode,
  resetPassword,
  revokeApiToken,
  setStaffActive,
  updateProfile,
  updateStaff,
  verifyEmail,
} from './cuentas';
import { completeLogin, confirmEnrolment, disableSecondFactor, secondFactorStatus, startEnrolment } from './segundo-factor';

const ACCEPTED = { mensaje: 'Si los datos corresponden a una cuenta, le enviamos un correo con las instrucciones.' };

export function cuentasRouter(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1' });

  r.post('/cuentas', async (ctx) => {
    const { email } = await register(deps, bodyOf(ctx), ctx.ip);
    ctx.status = 201;
    ctx.body = { usuario: email, mensaje: 'Cuenta creada. Le enviamos un código de 6 dígitos para confirmar su correo.' };
  });
  r.post('/cuentas/verificacion', async (ctx) => {
    const { yaVerificado } = await verifyEmail(deps, bodyOf(ctx));
    ctx.body = { verificado: true, mensaje: yaVerificado ? 'Su correo ya estaba confirmado.' : 'Correo confirmado. Ya puede ingresar.' };
  });
  r.post('/cuentas/verificacion/reenvio', async (ctx) => {
    await resendCode(deps, bodyOf(ctx));
    ctx.status = 202;
    ctx.body = ACCEPTED;
  });

  r.post('/sesiones', async (ctx) => {
    const result = await login(ctx, deps, bodyOf(ctx));
    // The password was right but a code must follow: no session yet.
    if (needsCode(result)) ctx.status = 202;
    ctx.body = result;
  });
  r.post('/sesiones/segundo-factor', async (ctx) => {
    ctx.body = await completeLogin(ctx, deps, bodyOf(ctx));
  });
  r.get('/sesiones/actual', (ctx) => {
    const p = requireCuenta(ctx);
    ctx.body = {
      usuario: p.email,
      nombre: p.nombre,
      rol: p.rol,
      unidad: p.unidad ?? undefined,
      csrfToken: p.csrfToken,
      segundoFactorPendiente: p.mustEnrolTotp || undefined,
    };
  });
  r.delete('/sesiones/actual', async (ctx) => {
    requireCuenta(ctx);
    await endSession(ctx, deps.db);
    ctx.status = 204;
  });

  r.post('/cuentas/clave/olvido', async (ctx) => {
    await forgotPassword(deps, bodyOf(ctx), ctx.ip);
    ctx.status = 202;
    ctx.body = ACCEPTED;
  });
  r.post('/cuentas/clave/restablecer', async (ctx) => {
    await resetPassword(deps, bodyOf(ctx));
    ctx.body = { mensaje: 'Su contraseña fue cambiada. Ya puede ingresar.' };
  });
  r.put('/cuentas/clave', async (ctx) => {
    const p = requireCuenta(ctx);
    await changePassword(deps, p.cuentaId, p.sessionHash, bodyOf(ctx));
    ctx.body = { mensaje: 'Su contraseña fue cambiada. Se cerraron sus otras sesiones.' };
  });

  r.get('/cuentas/perfil', async (ctx) => {
    ctx.body = await getProfile(deps, requireCuenta(ctx).cuentaId);
  });
  r.patch('/cuentas/perfil', async (ctx) => {
    ctx.body = await updateProfile(deps, requireCuenta(ctx).cuentaId, bodyOf(ctx));
  });

  // Two-factor authentication (TOTP) of the logged-in account.
  r.get('/cuentas/segundo-factor', async (ctx) => {
    const p = requireCuenta(ctx);
    ctx.body = await secondFactorStatus(deps, p.cuentaId, p.rol);
  });
  r.post('/cuentas/segundo-factor', async (ctx) => {
    const p = requireCuenta(ctx);
    ctx.status = 201;
    ctx.body = await startEnrolment(deps, p);
  });
  r.post('/cuentas/segundo-factor/confirmacion', async (ctx) => {
    const p = requireCuenta(ctx);
    const { codigosRecuperacion } = await confirmEnrolment(deps, p, bodyOf(ctx));
    ctx.body = {
      codigosRecuperacion,
      mensaje: 'Se activó la verificación en dos pasos. Guarde estos códigos de recuperación: no se volverán a mostrar.',
    };
  });
  r.post('/cuentas/segundo-factor/desactivacion', async (ctx) => {
    const p = requireCuenta(ctx);
    await disableSecondFactor(deps, p, ctx.ip, bodyOf(ctx));
    ctx.body = { mensaje: 'Se desactivó la verificación en dos pasos.' };
  });

  // Administration of staff accounts and API tokens.
  r.get('/admin/cuentas', async (ctx) => {
    requireRole(ctx, 'admin');
    ctx.body = { cuentas: await listStaff(deps) };
  });
  r.post('/admin/cuentas', async (ctx) => {
    const p = requireRole(ctx, 'admin');
    ctx.status = 201;
    ctx.body = await createStaff(deps, bodyOf(ctx), p.cuentaId);
  });
  r.patch('/admin/cuentas/:id', async (ctx) => {
    const p = requireRole(ctx, 'admin');
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id)) throw notFound('La cuenta no existe.');
    const body = (bodyOf(ctx) ?? {}) as { activo?: unknown; rol?: unknown };
    // { rol, unidad } changes the role and office; { activo } (de)activates.
    if (body.rol !== undefined) await updateStaff(deps, id, body, p.cuentaId);
    if (body.activo !== undefined || body.rol === undefined) await setStaffActive(deps, id, body.activo !== false, p.cuentaId);
    ctx.status = 204;
  });
  r.get('/admin/tokens', async (ctx) => {
    requireRole(ctx, 'admin');
    ctx.body = { tokens: await listApiTokens(deps) };
  });
  r.post('/admin/tokens', async (ctx) => {
    const p = requireRole(ctx, 'admin');
    ctx.status = 201;
    ctx.body = await createApiToken(deps, (bodyOf(ctx) as { nombre?: unknown })?.nombre, p.cuentaId);
  });
  r.delete('/admin/tokens/:id', async (ctx) => {
    const p = requireRole(ctx, 'admin');
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id)) throw notFound('El token no existe.');
    await revokeApiToken(deps, id, p.cuentaId);
    ctx.status = 204;
  });

  return r;
}

export { principal };

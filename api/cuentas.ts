// JSON API of accounts: registration and e-mail verification, sessions, passwords, the profile,
// and the admin's staff accounts and API tokens. Each handler parses, calls a service, answers;
// who may call it is the route map's (http/route-map/cuentas.ts).
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import { notFound } from '../services/errors';
import { bodyOf } from '../http/validation';
import { requireCuenta } from '../http/auth/roles';
import { clientOf, endSession, startSession } from '../http/auth/session';
import { register } from '../services/cuentas/registro';
import { resendCode, verifyEmail } from '../services/cuentas/verificacion-email';
import { login, needsCode } from '../services/cuentas/sesiones';
import { changePassword, forgotPassword, resetPassword } from '../services/cuentas/claves';
import { getProfile, updateProfile } from '../services/cuentas/perfil';
import { createStaff, listStaff, setStaffActive, updateStaff } from '../services/cuentas/personal';
import { createApiToken, listApiTokens, revokeApiToken } from '../services/cuentas/api-tokens';

const ACCEPTED = { mensaje: 'Si los datos corresponden a una cuenta, le enviamos un correo con las instrucciones.' };

/** A numeric :id, or the 404 a missing row would give. */
function idParam(ctx: Context, missing: string) {
  const id = Number(ctx.params.id);
  if (!Number.isSafeInteger(id)) throw notFound(missing);
  return id;
}

// ---------- registration and verification ----------

export async function registerAccount(ctx: Context, deps: AppDeps) {
  const { email } = await register(deps, bodyOf(ctx), ctx.ip);
  ctx.status = 201;
  ctx.body = { usuario: email, mensaje: 'Cuenta creada. Le enviamos un código de 6 dígitos para confirmar su correo.' };
}

export async function verifyAccountEmail(ctx: Context, deps: AppDeps) {
  const { yaVerificado } = await verifyEmail(deps, bodyOf(ctx));
  ctx.body = { verificado: true, mensaje: yaVerificado ? 'Su correo ya estaba confirmado.' : 'Correo confirmado. Ya puede ingresar.' };
}

export async function resendVerification(ctx: Context, deps: AppDeps) {
  await resendCode(deps, bodyOf(ctx));
  ctx.status = 202;
  ctx.body = ACCEPTED;
}

// ---------- sessions ----------

export async function logIn(ctx: Context, deps: AppDeps) {
  const result = await login(deps, bodyOf(ctx), clientOf(ctx));
  // The password was right but a code must follow: no session yet.
  if (needsCode(result)) {
    ctx.status = 202;
    ctx.body = result;
    return;
  }
  ctx.body = startSession(ctx, result);
}

export function currentSession(ctx: Context) {
  const p = requireCuenta(ctx);
  ctx.body = {
    usuario: p.email,
    nombre: p.nombre,
    rol: p.rol,
    unidad: p.unidad ?? undefined,
    csrfToken: p.csrfToken,
    segundoFactorPendiente: p.mustEnrolTotp || undefined,
  };
}

export async function logOut(ctx: Context, deps: AppDeps) {
  await endSession(ctx, deps);
  ctx.status = 204;
}

// ---------- passwords and profile ----------

export async function forgottenPassword(ctx: Context, deps: AppDeps) {
  await forgotPassword(deps, bodyOf(ctx), ctx.ip);
  ctx.status = 202;
  ctx.body = ACCEPTED;
}

export async function resetWithLink(ctx: Context, deps: AppDeps) {
  await resetPassword(deps, bodyOf(ctx));
  ctx.body = { mensaje: 'Su contraseña fue cambiada. Ya puede ingresar.' };
}

export async function changeOwnPassword(ctx: Context, deps: AppDeps) {
  await changePassword(deps, requireCuenta(ctx), bodyOf(ctx));
  ctx.body = { mensaje: 'Su contraseña fue cambiada. Se cerraron sus otras sesiones.' };
}

export async function showProfile(ctx: Context, deps: AppDeps) {
  ctx.body = await getProfile(deps, requireCuenta(ctx));
}

export async function editProfile(ctx: Context, deps: AppDeps) {
  ctx.body = await updateProfile(deps, requireCuenta(ctx), bodyOf(ctx));
}

// ---------- admin: staff accounts and API tokens ----------

export async function staffList(ctx: Context, deps: AppDeps) {
  ctx.body = { cuentas: await listStaff(deps) };
}

export async function staffCreate(ctx: Context, deps: AppDeps) {
  const answer = await createStaff(deps, requireCuenta(ctx), bodyOf(ctx));
  ctx.status = 201;
  ctx.body = answer;
}

/** { rol, unidad } changes the role and office; { activo } (de)activates. */
export async function staffChange(ctx: Context, deps: AppDeps) {
  const admin = requireCuenta(ctx);
  const id = idParam(ctx, 'La cuenta no existe.');
  const body = (bodyOf(ctx) ?? {}) as { activo?: unknown; rol?: unknown };
  if (body.rol !== undefined) await updateStaff(deps, admin, id, body);
  if (body.activo !== undefined || body.rol === undefined) await setStaffActive(deps, admin, id, body.activo !== false);
  ctx.status = 204;
}

export async function tokenList(ctx: Context, deps: AppDeps) {
  ctx.body = { tokens: await listApiTokens(deps) };
}

export async function tokenCreate(ctx: Context, deps: AppDeps) {
  const created = await createApiToken(deps, requireCuenta(ctx), (bodyOf(ctx) as { nombre?: unknown } | undefined)?.nombre);
  ctx.status = 201;
  ctx.body = created;
}

export async function tokenRevoke(ctx: Context, deps: AppDeps) {
  await revokeApiToken(deps, requireCuenta(ctx), idParam(ctx, 'El token no existe.'));
  ctx.status = 204;
}

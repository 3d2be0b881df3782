// The admin's account pages: staff accounts (create, change role and office, (de)activate) and the
// API tokens of other institutions' systems. Only admins reach them (the route map's access).
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { notFound } from '../services/errors';
import { requireCuenta } from '../http/auth/roles';
import { activeUnidades, createStaff, listStaff, setStaffActive, staffMember, updateStaff } from '../services/cuentas/personal';
import { createApiToken, listApiTokens, revokeApiToken } from '../services/cuentas/api-tokens';
import { ROL_LABEL, STAFF_ROLES } from '../domain/principal';
import { type Body, str, formOf, keep, seeOther, problem, attempt, failed } from './forms';

const ROLES = STAFF_ROLES.map((codigo) => ({ codigo, nombre: ROL_LABEL[codigo] }));

/** A numeric :id, or the 404 a missing row would give. */
function idParam(ctx: Context, missing: string) {
  const id = Number(ctx.params.id);
  if (!Number.isSafeInteger(id)) throw notFound(missing);
  return id;
}

// ---------- staff accounts ----------

async function personalPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  const [personal, unidades] = await Promise.all([listStaff(deps), activeUnidades(deps)]);
  views.render(ctx, 'admin-personal', { titulo: 'Personal', personal, unidades, roles: ROLES, valores: { rol: 'mesa_partes' }, ...data });
}

export async function personal(ctx: Context, deps: AppDeps, views: Views) {
  const creado = str(ctx.query.creado);
  const aviso = creado
    ? `Se creó la cuenta de ${creado}. Le enviamos un correo para que establezca su contraseña.`
    : ctx.query.actualizado === '1' ? 'Se actualizaron el rol y la unidad de la cuenta.' : undefined;
  await personalPage(ctx, deps, views, aviso ? { aviso } : {});
}

export async function crearPersonal(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const input: Body = { ...body };
  delete input._csrf;
  if (input.apellidoMaterno === '') delete input.apellidoMaterno;
  if (input.unidad === '') delete input.unidad;
  const res = await attempt(() => createStaff(deps, requireCuenta(ctx), input));
  if (res.ok) return seeOther(ctx, `/admin/personal?creado=${encodeURIComponent(res.value.email)}`);
  failed(ctx, res.err);
  await personalPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

const setActive = (activo: boolean) => async (ctx: Context, deps: AppDeps, views: Views) => {
  const id = idParam(ctx, 'La cuenta no existe.');
  const res = await attempt(() => setStaffActive(deps, requireCuenta(ctx), id, activo));
  if (res.ok) return seeOther(ctx, '/admin/personal');
  failed(ctx, res.err);
  await personalPage(ctx, deps, views, { alerta: res.err.message });
};
export const activarPersonal = setActive(true);
export const desactivarPersonal = setActive(false);

/** Role and office of one staff member. */
async function personaPage(ctx: Context, deps: AppDeps, views: Views, id: number, data: Body) {
  const [persona, unidades] = await Promise.all([staffMember(deps, id), activeUnidades(deps)]);
  views.render(ctx, 'admin-personal-editar', { titulo: `Personal: ${persona.nombre}`, persona, unidades, roles: ROLES, valores: { rol: persona.rol, unidad: persona.unidad }, ...data });
}

export const persona = (ctx: Context, deps: AppDeps, views: Views) => personaPage(ctx, deps, views, idParam(ctx, 'La cuenta no existe.'), {});

export async function editarPersona(ctx: Context, deps: AppDeps, views: Views) {
  const id = idParam(ctx, 'La cuenta no existe.');
  const body = formOf(ctx);
  const res = await attempt(() => updateStaff(deps, requireCuenta(ctx), id, { rol: body.rol, unidad: body.unidad || undefined }));
  if (res.ok) return seeOther(ctx, '/admin/personal?actualizado=1');
  failed(ctx, res.err);
  await personaPage(ctx, deps, views, id, { valores: keep(body), ...problem(res.err) });
}

// ---------- API tokens ----------

async function tokensPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  views.render(ctx, 'admin-tokens', { titulo: 'Tokens de API', tokens: await listApiTokens(deps), valores: {}, ...data });
}

export const tokens = (ctx: Context, deps: AppDeps, views: Views) => tokensPage(ctx, deps, views, ctx.query.revocado === '1' ? { aviso: 'El token fue revocado.' } : {});

export async function crearToken(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => createApiToken(deps, requireCuenta(ctx), body.nombre));
  // Shown once, in this response only (not a redirect: the token is never in a URL).
  if (res.ok) return tokensPage(ctx, deps, views, { creado: res.value });
  failed(ctx, res.err);
  await tokensPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

export async function revocarToken(ctx: Context, deps: AppDeps, views: Views) {
  const id = idParam(ctx, 'El token no existe.');
  const res = await attempt(() => revokeApiToken(deps, requireCuenta(ctx), id));
  if (res.ok) return seeOther(ctx, '/admin/tokens?revocado=1');
  failed(ctx, res.err);
  await tokensPage(ctx, deps, views, { alerta: res.err.message });
}

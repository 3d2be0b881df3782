// Administration API under /api/v1/admin: offices, document types, business hours and upload
// limits, the audit trail and non-working days. The use cases are in services/admin/ (the /admin
// pages call them too); who may call each route is in http/route-map/oficina.ts.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import { requireCuenta } from '../http/auth/roles';
import { bodyOf } from '../http/validation';
import { formatInstant } from '../domain/calendar';
import { createUnidad, listUnidades, updateUnidad } from '../services/admin/unidades';
import { createTipo, listTipos, updateTipo } from '../services/admin/tipos';
import { getAjustes, setHorario, setLimites } from '../services/admin/ajustes';
import { auditoria, parseAuditQuery } from '../services/admin/auditoria';
import { addDiaNoLaborable, listDiasNoLaborables, removeDiaNoLaborable } from '../services/admin/calendario';

export async function getUnidades(ctx: Context, deps: AppDeps) {
  ctx.body = { unidades: (await listUnidades(deps)).map(({ nivel: _n, ...u }) => u) };
}

export async function postUnidad(ctx: Context, deps: AppDeps) {
  ctx.body = await createUnidad(deps, requireCuenta(ctx), bodyOf(ctx));
  ctx.status = 201;
}

export async function patchUnidad(ctx: Context, deps: AppDeps) {
  ctx.body = await updateUnidad(deps, requireCuenta(ctx), ctx.params.codigo.toUpperCase(), bodyOf(ctx));
}

export async function getTipos(ctx: Context, deps: AppDeps) {
  ctx.body = { tiposDocumento: await listTipos(deps), plazoAtencionPredeterminado: deps.config.plazos.atencion };
}

export async function postTipo(ctx: Context, deps: AppDeps) {
  ctx.body = await createTipo(deps, requireCuenta(ctx), bodyOf(ctx));
  ctx.status = 201;
}

export async function patchTipo(ctx: Context, deps: AppDeps) {
  ctx.body = await updateTipo(deps, requireCuenta(ctx), ctx.params.codigo.toUpperCase(), bodyOf(ctx));
}

export async function getAjustesRoute(ctx: Context, deps: AppDeps) {
  ctx.body = await getAjustes(deps);
}

export async function putHorario(ctx: Context, deps: AppDeps) {
  ctx.body = { horario: await setHorario(deps, requireCuenta(ctx), bodyOf(ctx)) };
}

export async function putLimites(ctx: Context, deps: AppDeps) {
  ctx.body = { limites: await setLimites(deps, requireCuenta(ctx), bodyOf(ctx)) };
}

export async function getAuditoria(ctx: Context, deps: AppDeps) {
  const page = await auditoria(deps, parseAuditQuery(ctx.query));
  ctx.body = { registros: page.registros.map((a) => ({ ...a, en: formatInstant(a.en) })), siguiente: page.siguiente };
}

export async function getDiasNoLaborables(ctx: Context, deps: AppDeps) {
  ctx.body = { dias: await listDiasNoLaborables(deps) };
}

export async function postDiaNoLaborable(ctx: Context, deps: AppDeps) {
  const body = await addDiaNoLaborable(deps, requireCuenta(ctx), bodyOf(ctx));
  ctx.status = 201;
  ctx.body = body;
}

export async function deleteDiaNoLaborable(ctx: Context, deps: AppDeps) {
  ctx.body = await removeDiaNoLaborable(deps, requireCuenta(ctx), ctx.params.fecha);
}

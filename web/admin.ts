// Administration pages (Spanish, server-rendered, admin only): the index, offices, document types,
// and business hours with upload limits. Plain forms with `_csrf`; the rules are services/admin/,
// which the JSON API calls too. Non-working days and the audit trail: admin-calendario.ts,
// admin-auditoria.ts; staff accounts and API tokens: the cuentas pages.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { notFound } from '../services/errors';
import { requireCuenta } from '../http/auth/roles';
import { createUnidad, listUnidades, updateUnidad } from '../services/admin/unidades';
import { createTipo, listTipos, updateTipo } from '../services/admin/tipos';
import { getAjustes, setHorario, setLimites } from '../services/admin/ajustes';
import { attempt, failed, formOf, keep, problem, seeOther, str, type Body } from './forms';

export function adminInicio(ctx: Context, _deps: AppDeps, views: Views) {
  views.render(ctx, 'admin-inicio', { titulo: 'Administración' });
}

// ---------- unidades orgánicas ----------

async function unidadesPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  views.render(ctx, 'admin-unidades', { titulo: 'Unidades orgánicas', unidades: await listUnidades(deps), valores: {}, ...data });
}

async function unidadPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  const codigo = ctx.params.codigo;
  const unidades = await listUnidades(deps);
  const unidad = unidades.find((u) => u.codigo === codigo);
  if (!unidad) throw notFound('La unidad orgánica no existe.');
  views.render(ctx, 'admin-unidad', {
    titulo: `Unidad ${unidad.codigo}`,
    unidad,
    superiores: unidades.filter((u) => u.activa && u.codigo !== codigo),
    valores: { nombre: unidad.nombre, padre: unidad.padre ?? '' },
    ...data,
  });
}

const unidadGuardada = (ctx: Context, codigo: string) => seeOther(ctx, `/admin/unidades?guardada=${encodeURIComponent(codigo)}`);

export async function unidadesPagina(ctx: Context, deps: AppDeps, views: Views) {
  const guardada = str(ctx.query.guardada);
  await unidadesPage(ctx, deps, views, guardada ? { aviso: `Se guardó la unidad ${guardada}.` } : {});
}

export async function crearUnidad(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => createUnidad(deps, requireCuenta(ctx), { codigo: body.codigo, nombre: body.nombre, padre: body.padre }));
  if (res.ok) return unidadGuardada(ctx, res.value.codigo);
  failed(ctx, res.err);
  await unidadesPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

export async function unidadPagina(ctx: Context, deps: AppDeps, views: Views) {
  await unidadPage(ctx, deps, views, {});
}

export async function editarUnidad(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => updateUnidad(deps, requireCuenta(ctx), ctx.params.codigo, { nombre: body.nombre, padre: body.padre ?? '' }));
  if (res.ok) return unidadGuardada(ctx, ctx.params.codigo);
  failed(ctx, res.err);
  await unidadPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

/** POST /admin/unidades/{codigo}/activar and …/desactivar. */
export const activarUnidad = (activa: boolean) => async (ctx: Context, deps: AppDeps, views: Views) => {
  const res = await attempt(() => updateUnidad(deps, requireCuenta(ctx), ctx.params.codigo, { activa }));
  if (res.ok) return unidadGuardada(ctx, ctx.params.codigo);
  if (res.err.status === 404) throw res.err;
  failed(ctx, res.err);
  await unidadesPage(ctx, deps, views, { alerta: res.err.message });
};

// ---------- tipos de documento ----------

async function tiposPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  views.render(ctx, 'admin-tipos', { titulo: 'Tipos de documento', tipos: await listTipos(deps), plazoPredeterminado: deps.config.plazos.atencion, valores: {}, ...data });
}

async function tipoPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  const tipo = (await listTipos(deps)).find((t) => t.codigo === ctx.params.codigo);
  if (!tipo) throw notFound('El tipo de documento no existe.');
  views.render(ctx, 'admin-tipo', {
    titulo: `Tipo de documento ${tipo.codigo}`,
    tipo,
    ayudaPlazo: `Déjelo vacío para usar el plazo general: ${deps.config.plazos.atencion} días hábiles.`,
    valores: { nombre: tipo.nombre, plazoAtencionDias: tipo.plazoAtencionDias ?? '' },
    ...data,
  });
}

const tipoGuardado = (ctx: Context, codigo: string) => seeOther(ctx, `/admin/tipos?guardado=${encodeURIComponent(codigo)}`);

export async function tiposPagina(ctx: Context, deps: AppDeps, views: Views) {
  const guardado = str(ctx.query.guardado);
  await tiposPage(ctx, deps, views, guardado ? { aviso: `Se guardó el tipo de documento ${guardado}.` } : {});
}

export async function crearTipo(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => createTipo(deps, requireCuenta(ctx), { codigo: body.codigo, nombre: body.nombre, plazoAtencionDias: body.plazoAtencionDias }));
  if (res.ok) return tipoGuardado(ctx, res.value.codigo);
  failed(ctx, res.err);
  await tiposPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

export async function tipoPagina(ctx: Context, deps: AppDeps, views: Views) {
  await tipoPage(ctx, deps, views, {});
}

export async function editarTipo(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => updateTipo(deps, requireCuenta(ctx), ctx.params.codigo, { nombre: body.nombre, plazoAtencionDias: body.plazoAtencionDias ?? '' }));
  if (res.ok) return tipoGuardado(ctx, ctx.params.codigo);
  failed(ctx, res.err);
  await tipoPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

/** POST /admin/tipos/{codigo}/activar and …/desactivar. */
export const activarTipo = (activo: boolean) => async (ctx: Context, deps: AppDeps, views: Views) => {
  const res = await attempt(() => updateTipo(deps, requireCuenta(ctx), ctx.params.codigo, { activo }));
  if (res.ok) return tipoGuardado(ctx, ctx.params.codigo);
  if (res.err.status === 404) throw res.err;
  failed(ctx, res.err);
  await tiposPage(ctx, deps, views, { alerta: res.err.message });
};

// ---------- business hours and upload limits ----------

const AVISO_AJUSTE: Record<string, string> = {
  horario: 'Se guardó el horario de atención. Rige para los documentos que se presenten desde ahora.',
  limites: 'Se guardaron los límites de los archivos.',
};

/** Each form keeps its own values and errors; the other shows what is in force. */
async function horarioPage(ctx: Context, deps: AppDeps, views: Views, data: { form?: 'horario' | 'limites'; valores?: Body; [k: string]: unknown }) {
  const ajustes = await getAjustes(deps);
  views.render(ctx, 'admin-horario', {
    titulo: 'Horario y límites',
    ajustes,
    ...data,
    horario: data.form === 'horario' ? data.valores : ajustes.horario,
    limites: data.form === 'limites' ? data.valores : ajustes.limites,
  });
}

export async function horarioPagina(ctx: Context, deps: AppDeps, views: Views) {
  await horarioPage(ctx, deps, views, { aviso: AVISO_AJUSTE[str(ctx.query.guardado) ?? ''] });
}

export async function guardarHorario(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => setHorario(deps, requireCuenta(ctx), { inicio: body.inicio, fin: body.fin }));
  if (res.ok) return seeOther(ctx, '/admin/horario?guardado=horario');
  failed(ctx, res.err);
  await horarioPage(ctx, deps, views, { form: 'horario', valores: keep(body), ...problem(res.err) });
}

export async function guardarLimites(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const input = { principalMB: body.principalMB, primerAnexoMB: body.primerAnexoMB, anexoMB: body.anexoMB, anexos: body.anexos };
  const res = await attempt(() => setLimites(deps, requireCuenta(ctx), input));
  if (res.ok) return seeOther(ctx, '/admin/horario?guardado=limites');
  failed(ctx, res.err);
  await horarioPage(ctx, deps, views, { form: 'limites', valores: keep(body), ...problem(res.err) });
}

// Administration pages (Spanish, server-rendered, admin only): the index, offices, document
// types, business hours and upload limits, non-working days, and the audit trail. Plain forms with
// `_csrf`; every rule lives in api/admin.ts and api/calendario-admin.ts, which the JSON API calls
// too. Staff accounts and API tokens keep their pages in pages-cuentas.ts.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import { HttpError, notFound } from '../api/errors';
import {
  auditoria,
  createTipo,
  createUnidad,
  getAjustes,
  listTipos,
  listUnidades,
  parseAuditQuery,
  setHorario,
  setLimites,
  updateTipo,
  updateUnidad,
  type AuditQuery,
} from '../api/admin';
import { ROL_LABEL } from '../api/cuentas';
import type { Rol } from '../api/auth/session';
import { addDiaNoLaborable, listDiasNoLaborables, removeDiaNoLaborable } from '../api/calendario-admin';
import { ACCION_AUDITADA_LABEL, ENTIDAD_LABEL, type EntidadAuditada } from '../lib/audit';
import { isValidDay, limaDay } from '../domain/calendar';
import { attempt, failed, formOf, keep, pageUser, problem, seeOther, type Body } from './pages-cuentas';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** How the audit page names each field of `antes` / `despues`, in the order it lists them. */
const CAMPO_LABEL: Record<string, string> = {
  nombre: 'Nombre',
  email: 'Correo',
  rol: 'Rol',
  unidad: 'Unidad',
  padre: 'Unidad superior',
  plazoAtencionDias: 'Plazo de atención (días hábiles)',
  inicio: 'Hora de inicio',
  fin: 'Hora de fin',
  principalMB: 'Documento principal (MB)',
  primerAnexoMB: 'Primer anexo (MB)',
  anexoMB: 'Cada anexo adicional (MB)',
  anexos: 'Cantidad de anexos',
  fecha: 'Fecha',
  descripcion: 'Descripción',
  prefijo: 'Prefijo',
  activa: 'Activa',
  activo: 'Activo',
  revocado: 'Revocado',
};

const ORDEN = Object.keys(CAMPO_LABEL);

function valor(campo: string, v: unknown) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'Sí' : 'No';
  return campo === 'rol' ? (ROL_LABEL[v as Rol] ?? String(v)) : String(v);
}

/** The fields a change touched (all of them for a creation or a removal), as text, in a fixed order. */
function cambios(antes: Record<string, unknown> | null, despues: Record<string, unknown> | null) {
  const keys = [...new Set([...Object.keys(antes ?? {}), ...Object.keys(despues ?? {})])];
  const rank = (k: string) => (ORDEN.includes(k) ? ORDEN.indexOf(k) : ORDEN.length);
  return keys
    .filter((k) => !antes || !despues || JSON.stringify(antes[k]) !== JSON.stringify(despues[k]))
    .sort((a, b) => rank(a) - rank(b))
    .map((k) => ({ campo: CAMPO_LABEL[k] ?? k, antes: antes ? valor(k, antes[k]) : null, despues: despues ? valor(k, despues[k]) : null }));
}

export function adminPageRouter(deps: AppDeps, views: Views) {
  const r = new Router();

  r.get('/admin', (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    views.render(ctx, 'admin-inicio', { titulo: 'Administración' });
  });

  // ---------- unidades orgánicas ----------
  async function unidadesPage(ctx: Context, data: Body) {
    views.render(ctx, 'admin-unidades', { titulo: 'Unidades orgánicas', unidades: await listUnidades(deps.db), valores: {}, ...data });
  }

  r.get('/admin/unidades', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    const guardada = str(ctx.query.guardada);
    await unidadesPage(ctx, guardada ? { aviso: `Se guardó la unidad ${guardada}.` } : {});
  });

  r.post('/admin/unidades', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const res = await attempt(() => createUnidad(deps, { codigo: body.codigo, nombre: body.nombre, padre: body.padre }, p.cuentaId));
    if (res.ok) return seeOther(ctx, `/admin/unidades?guardada=${encodeURIComponent(res.value.codigo)}`);
    failed(ctx, res.err);
    await unidadesPage(ctx, { valores: keep(body), ...problem(res.err) });
  });

  async function unidadPage(ctx: Context, codigo: string, data: Body) {
    const unidades = await listUnidades(deps.db);
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

  r.get('/admin/unidades/:codigo', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    await unidadPage(ctx, ctx.params.codigo, {});
  });

  r.post('/admin/unidades/:codigo', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const res = await attempt(() => updateUnidad(deps, ctx.params.codigo, { nombre: body.nombre, padre: body.padre ?? '' }, p.cuentaId));
    if (res.ok) return seeOther(ctx, `/admin/unidades?guardada=${encodeURIComponent(ctx.params.codigo)}`);
    failed(ctx, res.err);
    await unidadPage(ctx, ctx.params.codigo, { valores: keep(body), ...problem(res.err) });
  });

  for (const [accion, activa] of [['activar', true], ['desactivar', false]] as const) {
    r.post(`/admin/unidades/:codigo/${accion}`, async (ctx) => {
      const p = pageUser(ctx, 'admin');
      if (!p) return;
      const res = await attempt(() => updateUnidad(deps, ctx.params.codigo, { activa }, p.cuentaId));
      if (res.ok) return seeOther(ctx, `/admin/unidades?guardada=${encodeURIComponent(ctx.params.codigo)}`);
      if (res.err.status === 404) throw res.err;
      failed(ctx, res.err);
      await unidadesPage(ctx, { alerta: res.err.message });
    });
  }

  // ---------- tipos de documento ----------
  async function tiposPage(ctx: Context, data: Body) {
    views.render(ctx, 'admin-tipos', {
      titulo: 'Tipos de documento',
      tipos: await listTipos(deps.db),
      plazoPredeterminado: deps.config.plazos.atencion,
      valores: {},
      ...data,
    });
  }

  r.get('/admin/tipos', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    const guardado = str(ctx.query.guardado);
    await tiposPage(ctx, guardado ? { aviso: `Se guardó el tipo de documento ${guardado}.` } : {});
  });

  r.post('/admin/tipos', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const res = await attempt(() => createTipo(deps, { codigo: body.codigo, nombre: body.nombre, plazoAtencionDias: body.plazoAtencionDias }, p.cuentaId));
    if (res.ok) return seeOther(ctx, `/admin/tipos?guardado=${encodeURIComponent(res.value.codigo)}`);
    failed(ctx, res.err);
    await tiposPage(ctx, { valores: keep(body), ...problem(res.err) });
  });

  async function tipoPage(ctx: Context, codigo: string, data: Body) {
    const tipo = (await listTipos(deps.db)).find((t) => t.codigo === codigo);
    if (!tipo) throw notFound('El tipo de documento no existe.');
    views.render(ctx, 'admin-tipo', {
      titulo: `Tipo de documento ${tipo.codigo}`,
      tipo,
      ayudaPlazo: `Déjelo vacío para usar el plazo general: ${deps.config.plazos.atencion} días hábiles.`,
      valores: { nombre: tipo.nombre, plazoAtencionDias: tipo.plazoAtencionDias ?? '' },
      ...data,
    });
  }

  r.get('/admin/tipos/:codigo', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    await tipoPage(ctx, ctx.params.codigo, {});
  });

  r.post('/admin/tipos/:codigo', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const res = await attempt(() => updateTipo(deps, ctx.params.codigo, { nombre: body.nombre, plazoAtencionDias: body.plazoAtencionDias ?? '' }, p.cuentaId));
    if (res.ok) return seeOther(ctx, `/admin/tipos?guardado=${encodeURIComponent(ctx.params.codigo)}`);
    failed(ctx, res.err);
    await tipoPage(ctx, ctx.params.codigo, { valores: keep(body), ...problem(res.err) });
  });

  for (const [accion, activo] of [['activar', true], ['desactivar', false]] as const) {
    r.post(`/admin/tipos/:codigo/${accion}`, async (ctx) => {
      const p = pageUser(ctx, 'admin');
      if (!p) return;
      const res = await attempt(() => updateTipo(deps, ctx.params.codigo, { activo }, p.cuentaId));
      if (res.ok) return seeOther(ctx, `/admin/tipos?guardado=${encodeURIComponent(ctx.params.codigo)}`);
      if (res.err.status === 404) throw res.err;
      failed(ctx, res.err);
      await tiposPage(ctx, { alerta: res.err.message });
    });
  }

  // ---------- business hours and upload limits ----------
  const AVISO_AJUSTE: Record<string, string> = {
    horario: 'Se guardó el horario de atención. Rige para los documentos que se presenten desde ahora.',
    limites: 'Se guardaron los límites de los archivos.',
  };

  /** Each form keeps its own values and errors; the other shows what is in force. */
  async function horarioPage(ctx: Context, data: { form?: 'horario' | 'limites'; valores?: Body; [k: string]: unknown }) {
    const ajustes = await getAjustes(deps);
    views.render(ctx, 'admin-horario', {
      titulo: 'Horario y límites',
      ajustes,
      ...data,
      horario: data.form === 'horario' ? data.valores : ajustes.horario,
      limites: data.form === 'limites' ? data.valores : ajustes.limites,
    });
  }

  r.get('/admin/horario', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    await horarioPage(ctx, { aviso: AVISO_AJUSTE[str(ctx.query.guardado) ?? ''] });
  });

  r.post('/admin/horario', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const res = await attempt(() => setHorario(deps, { inicio: body.inicio, fin: body.fin }, p.cuentaId));
    if (res.ok) return seeOther(ctx, '/admin/horario?guardado=horario');
    failed(ctx, res.err);
    await horarioPage(ctx, { form: 'horario', valores: keep(body), ...problem(res.err) });
  });

  r.post('/admin/horario/limites', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const input = { principalMB: body.principalMB, primerAnexoMB: body.primerAnexoMB, anexoMB: body.anexoMB, anexos: body.anexos };
    const res = await attempt(() => setLimites(deps, input, p.cuentaId));
    if (res.ok) return seeOther(ctx, '/admin/horario?guardado=limites');
    failed(ctx, res.err);
    await horarioPage(ctx, { form: 'limites', valores: keep(body), ...problem(res.err) });
  });

  // ---------- días no laborables ----------
  async function calendarioPage(ctx: Context, data: Body) {
    const hoy = limaDay(deps.clock.now());
    const dias = await listDiasNoLaborables(deps);
    views.render(ctx, 'admin-calendario', {
      titulo: 'Días no laborables',
      proximos: dias.filter((d) => d.fecha >= hoy),
      pasados: dias.filter((d) => d.fecha < hoy).reverse(),
      valores: {},
      ...data,
    });
  }

  r.get('/admin/calendario', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    const agregado = str(ctx.query.agregado);
    const eliminado = str(ctx.query.eliminado);
    const n = Number(ctx.query.recalculados);
    const recalculados =
      ctx.query.recalculados === 'pendiente'
        ? ' Los plazos de los expedientes en curso se recalcularán en cuanto el sistema de trámites esté disponible.'
        : Number.isSafeInteger(n) && n >= 0
          ? ` Se recalcularon los plazos de ${n === 1 ? '1 expediente en curso' : `${n} expedientes en curso`}.`
          : '';
    const aviso =
      agregado && isValidDay(agregado)
        ? `Se registró el ${agregado} como día no laborable.${recalculados}`
        : eliminado && isValidDay(eliminado)
          ? `Se quitó el ${eliminado} de los días no laborables.${recalculados}`
          : undefined;
    await calendarioPage(ctx, aviso ? { aviso } : {});
  });

  r.post('/admin/calendario', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const res = await attempt(() => addDiaNoLaborable(deps, { fecha: body.fecha, descripcion: body.descripcion }, p.cuentaId));
    if (res.ok) return seeOther(ctx, `/admin/calendario?agregado=${res.value.fecha}&recalculados=${res.value.expedientesRecalculados ?? 'pendiente'}`);
    failed(ctx, res.err);
    await calendarioPage(ctx, { valores: keep(body), ...problem(res.err) });
  });

  r.post('/admin/calendario/:fecha/eliminar', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const res = await attempt(() => removeDiaNoLaborable(deps, ctx.params.fecha, p.cuentaId));
    if (res.ok) return seeOther(ctx, `/admin/calendario?eliminado=${res.value.fecha}&recalculados=${res.value.expedientesRecalculados ?? 'pendiente'}`);
    failed(ctx, res.err);
    await calendarioPage(ctx, { alerta: res.err.message });
  });

  // ---------- audit trail ----------
  const ENTIDADES = Object.entries(ENTIDAD_LABEL).map(([codigo, nombre]) => ({ codigo, nombre }));

  r.get('/admin/auditoria', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    const filtros = Object.fromEntries(['entidad', 'clave', 'desde', 'hasta'].map((k) => [k, str(ctx.query[k]) ?? '']));
    let q: AuditQuery;
    try {
      q = parseAuditQuery(ctx.query);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      failed(ctx, err);
      return views.render(ctx, 'admin-auditoria', { titulo: 'Auditoría', entidades: ENTIDADES, filtros, registros: [], ...problem(err) });
    }
    const page = await auditoria(deps, q);
    const registros = page.registros.map((a) => ({
      ...a,
      entidadNombre: ENTIDAD_LABEL[a.entidad as EntidadAuditada] ?? a.entidad,
      accionNombre: ACCION_AUDITADA_LABEL[a.accion] ?? a.accion,
      historialUrl: `/admin/auditoria?${new URLSearchParams({ entidad: a.entidad, clave: a.clave })}`,
      cambios: cambios(a.antes, a.despues),
    }));
    const keepFilters = Object.fromEntries(Object.entries(filtros).filter(([, v]) => v));
    views.render(ctx, 'admin-auditoria', {
      titulo: 'Auditoría',
      entidades: ENTIDADES,
      filtros,
      filtrado: Object.keys(keepFilters).length > 0,
      registros,
      primeraUrl: q.despues ? `/admin/auditoria?${new URLSearchParams(keepFilters)}` : undefined,
      siguienteUrl: page.siguiente ? `/admin/auditoria?${new URLSearchParams({ ...keepFilters, despues: String(page.siguiente) })}` : undefined,
    });
  });

  return r;
}

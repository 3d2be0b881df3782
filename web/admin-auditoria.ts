// The audit trail page (admin): who changed what and when, filtered by entity, key and dates, each
// change shown field by field (before → after), newest first, by pages.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { AppError } from '../services/errors';
import { auditoria, parseAuditQuery, type AuditQuery } from '../services/admin/auditoria';
import { ROL_LABEL, type RolCuenta } from '../domain/principal';
import { ACCION_AUDITADA_LABEL, ENTIDAD_LABEL, type EntidadAuditada } from '../lib/audit';
import { failed, problem, str } from './forms';

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
  return campo === 'rol' ? (ROL_LABEL[v as RolCuenta] ?? String(v)) : String(v);
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

const ENTIDADES = Object.entries(ENTIDAD_LABEL).map(([codigo, nombre]) => ({ codigo, nombre }));

export async function auditoriaPagina(ctx: Context, deps: AppDeps, views: Views) {
  const filtros = Object.fromEntries(['entidad', 'clave', 'desde', 'hasta'].map((k) => [k, str(ctx.query[k]) ?? '']));
  let q: AuditQuery;
  try {
    q = parseAuditQuery(ctx.query);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
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
}

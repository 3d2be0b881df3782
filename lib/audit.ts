// The audit trail of administrative and security changes (who, when, before, after). A row is
// written inside the same transaction as the change it records, so there is never a change without
// its row.
import type { Knex } from 'knex';
import { addDays, limaInstant } from '../domain/calendar';
import { displayName } from '../domain/persona';

export type EntidadAuditada = 'unidad' | 'tipo_documento' | 'ajustes' | 'dia_no_laborable' | 'cuenta' | 'api_token' | 'segundo_factor';
export type AccionAuditada = 'CREAR' | 'EDITAR' | 'ACTIVAR' | 'DESACTIVAR' | 'ELIMINAR';

export const ENTIDAD_LABEL: Record<EntidadAuditada, string> = {
  unidad: 'Unidad orgánica',
  tipo_documento: 'Tipo de documento',
  ajustes: 'Horario y límites',
  dia_no_laborable: 'Día no laborable',
  cuenta: 'Cuenta del personal',
  api_token: 'Token de API',
  segundo_factor: 'Verificación en dos pasos',
};

export const ACCION_AUDITADA_LABEL: Record<AccionAuditada, string> = {
  CREAR: 'Creó',
  EDITAR: 'Modificó',
  ACTIVAR: 'Activó',
  DESACTIVAR: 'Desactivó',
  ELIMINAR: 'Eliminó',
};

export interface AuditEntry {
  /** Who made the change (null only for changes made by the system itself). */
  cuentaId: number | null;
  entidad: EntidadAuditada;
  clave: string;
  accion: AccionAuditada;
  antes?: unknown;
  despues?: unknown;
  en?: Date;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));

export async function recordAudit(trx: Knex, e: AuditEntry) {
  await trx('auditoria').insert({
    cuenta_id: e.cuentaId,
    entidad: e.entidad,
    clave: e.clave,
    accion: e.accion,
    antes: json(e.antes),
    despues: json(e.despues),
    en: e.en ?? trx.fn.now(),
  });
}

export interface AuditFilter {
  entidad?: EntidadAuditada;
  clave?: string;
  /** Lima days 'AAAA-MM-DD', both inclusive. */
  desde?: string;
  hasta?: string;
  /** Keyset cursor: rows older than this id. */
  despues?: number;
  limite: number;
}

/** Newest first; `siguiente` is the cursor of the next page, if there is one. */
export async function listAudit(db: Knex, f: AuditFilter) {
  const q = db('auditoria as a').leftJoin('cuentas as c', 'c.id', 'a.cuenta_id');
  if (f.entidad) q.where('a.entidad', f.entidad);
  if (f.clave) q.where('a.clave', f.clave);
  if (f.desde) q.where('a.en', '>=', limaInstant(f.desde, '00:00'));
  if (f.hasta) q.where('a.en', '<', limaInstant(addDays(f.hasta, 1), '00:00'));
  if (f.despues) q.where('a.id', '<', f.despues);
  const rows = await q
    .orderBy('a.id', 'desc')
    .limit(f.limite + 1)
    .select('a.*', 'c.email', 'c.nombres', 'c.apellido_paterno', 'c.apellido_materno', 'c.razon_social');
  const page = rows.slice(0, f.limite);
  return {
    registros: page.map((r) => ({
      id: Number(r.id),
      en: new Date(r.en),
      cuenta: r.cuenta_id ? { id: Number(r.cuenta_id), email: r.email as string, nombre: displayName(r) } : null,
      entidad: r.entidad as EntidadAuditada,
      clave: r.clave as string,
      accion: r.accion as AccionAuditada,
      antes: (r.antes ?? null) as Record<string, unknown> | null,
      despues: (r.despues ?? null) as Record<string, unknown> | null,
    })),
    siguiente: rows.length > f.limite ? Number(page[page.length - 1].id) : null,
  };
}

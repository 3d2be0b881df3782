// Document types and their plazo de atención (días hábiles; null: the installation's default).
import { UniqueViolationError } from 'objection';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError, notFound } from '../errors';
import { parse, text } from '../validation';
import type { CuentaPrincipal } from '../../domain/principal';
import { recordAudit } from '../../lib/audit';
import { TipoDocumento as TipoRow } from '../../lib/models';
import { activo, blocked, catalogChange, codigo, saveAudited } from './cambios';

export interface TipoDocumento {
  codigo: string;
  nombre: string;
  /** Días hábiles; null: the installation's default (config.plazos.atencion). */
  plazoAtencionDias: number | null;
  activo: boolean;
}

const tipoOf = (r: TipoRow): TipoDocumento => ({ codigo: r.codigo, nombre: r.nombre, plazoAtencionDias: r.plazo_atencion_dias, activo: r.activo });
const tipoAudit = (t: TipoDocumento) => ({ nombre: t.nombre, plazoAtencionDias: t.plazoAtencionDias, activo: t.activo });

export async function listTipos(deps: Pick<AppDeps, 'db'>): Promise<TipoDocumento[]> {
  return (await TipoRow.query(deps.db).orderBy('nombre')).map(tipoOf);
}

const PLAZO_MSG = 'El plazo de atención debe ser un número entero de días hábiles entre 1 y 365.';
const plazoAtencion = z.preprocess(
  (v) => (v === '' || v === null ? null : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ error: PLAZO_MSG }).int(PLAZO_MSG).min(1, PLAZO_MSG).max(365, PLAZO_MSG).nullable().optional(),
);
const nombreTipo = text('el nombre del tipo de documento', 3, 100);
const nuevoTipo = z.object({ codigo, nombre: nombreTipo, plazoAtencionDias: plazoAtencion });
const cambioTipo = z.object({ nombre: nombreTipo.optional(), plazoAtencionDias: plazoAtencion, activo: activo.optional() });

export async function createTipo(deps: AppDeps, p: CuentaPrincipal, input: unknown): Promise<TipoDocumento> {
  const d = parse(nuevoTipo, input);
  const now = deps.clock.now();
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const row = await TipoRow.query(trx)
      .insert({ codigo: d.codigo, nombre: d.nombre, plazo_atencion_dias: d.plazoAtencionDias ?? null, created_at: now, updated_at: now })
      .returning('*')
      .catch((err: unknown) => {
        if (err instanceof UniqueViolationError) throw new AppError(409, 'YA_EXISTE', `Ya existe un tipo de documento con el código ${d.codigo}.`, 'codigo');
        throw err;
      });
    const t = tipoOf(row);
    await recordAudit(trx, { cuentaId: p.cuentaId, entidad: 'tipo_documento', clave: t.codigo, accion: 'CREAR', despues: tipoAudit(t), en: now });
    return t;
  }));
}

export async function updateTipo(deps: AppDeps, p: CuentaPrincipal, codigoTipo: string, input: unknown): Promise<TipoDocumento> {
  const d = parse(cambioTipo, input);
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const row = await TipoRow.query(trx).findById(codigoTipo).forUpdate();
    if (!row) throw notFound('El tipo de documento no existe.');
    const before = tipoOf(row);
    const after: TipoDocumento = {
      ...before,
      nombre: d.nombre ?? before.nombre,
      plazoAtencionDias: d.plazoAtencionDias === undefined ? before.plazoAtencionDias : d.plazoAtencionDias,
      activo: d.activo ?? before.activo,
    };
    if (before.activo && !after.activo && (await TipoRow.query(trx).modify('activos').resultSize()) <= 1) {
      throw blocked('Debe quedar al menos un tipo de documento activo para presentar documentos.');
    }
    const changed = await saveAudited(trx, deps, { cuentaId: p.cuentaId, entidad: 'tipo_documento', clave: before.codigo, antes: tipoAudit(before), despues: tipoAudit(after), flag: 'activo' }, (now) =>
      TipoRow.query(trx).findById(before.codigo).patch({ nombre: after.nombre, plazo_atencion_dias: after.plazoAtencionDias, activo: after.activo, updated_at: now }),
    );
    return changed ? after : before;
  }));
}

// Business hours and upload limits: the settings an admin changes at run time (lib/settings.ts),
// each change with its audit row; this process forgets its cached copy at once.
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { parse } from '../validation';
import type { CuentaPrincipal } from '../../domain/principal';
import { formatInstant } from '../../domain/calendar';
import { displayName } from '../../domain/persona';
import { recordAudit } from '../../lib/audit';
import { Ajuste } from '../../lib/models';
import { BOUNDS, configDefaults, forgetSettings, loadSettings, writeSetting, type ClaveAjuste, type Horario, type Limites, type Settings } from '../../lib/settings';
import { sameAs } from './cambios';

const hora = (label: string) =>
  z.string({ error: `Indique la hora de ${label} (HH:MM).` }).trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, `La hora de ${label} debe tener el formato HH:MM de 24 horas, por ejemplo 08:30.`);
const horarioSchema = z
  .object({ inicio: hora('inicio'), fin: hora('fin') })
  .refine((h) => h.inicio < h.fin, { message: 'La hora de inicio debe ser anterior a la hora de fin.', path: ['fin'] });

const entero = (message: string, min: number, max: number) =>
  z.preprocess((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v), z.number({ error: message }).int(message).min(min, message).max(max, message));
const mb = (what: string) => entero(`El tamaño máximo ${what} debe ser un número entero de ${BOUNDS.mb.min} a ${BOUNDS.mb.max} MB.`, BOUNDS.mb.min, BOUNDS.mb.max);
const limitesSchema = z.object({
  principalMB: mb('del documento principal'),
  primerAnexoMB: mb('del primer anexo'),
  anexoMB: mb('de cada anexo adicional'),
  anexos: entero(`La cantidad máxima de anexos debe ser un número entero de ${BOUNDS.anexos.min} a ${BOUNDS.anexos.max}.`, BOUNDS.anexos.min, BOUNDS.anexos.max),
});

interface Actualizacion {
  clave: string;
  actualizado_en: Date;
  email: string | null;
  nombres: string | null;
  apellido_paterno: string | null;
  apellido_materno: string | null;
  razon_social: string | null;
}

/** The settings in force and, for each group, who changed it last (null: lib/config.ts applies). */
export async function getAjustes(deps: AppDeps) {
  const [settings, rows] = await Promise.all([
    loadSettings(deps.db, deps.config),
    Ajuste.query(deps.db)
      .alias('a')
      .leftJoin('cuentas as c', 'c.id', 'a.actualizado_por')
      .select('a.clave', 'a.actualizado_en', 'c.email', 'c.nombres', 'c.apellido_paterno', 'c.apellido_materno', 'c.razon_social')
      .castTo<Actualizacion[]>(),
  ]);
  const by = (clave: ClaveAjuste) => {
    const r = rows.find((x) => x.clave === clave);
    return r ? { por: displayName(r) || r.email, en: formatInstant(new Date(r.actualizado_en)) } : null;
  };
  return { ...settings, permitidos: BOUNDS, actualizado: { horario: by('horario'), limites: by('limites') }, predeterminado: configDefaults(deps.config) };
}

export type Ajustes = Awaited<ReturnType<typeof getAjustes>>;

async function saveAjuste<K extends ClaveAjuste>(deps: AppDeps, p: CuentaPrincipal, clave: K, valor: Settings[K]): Promise<Settings[K]> {
  await deps.db.transaction(async (trx) => {
    const row = await Ajuste.query(trx).findById(clave).forUpdate().select('valor');
    const antes = { ...configDefaults(deps.config)[clave], ...(row?.valor ?? {}) };
    if (sameAs(antes, valor)) return;
    const now = deps.clock.now();
    await writeSetting(trx, clave, valor, p.cuentaId, now);
    await recordAudit(trx, { cuentaId: p.cuentaId, entidad: 'ajustes', clave, accion: 'EDITAR', antes, despues: valor, en: now });
  });
  forgetSettings(deps.db);
  return valor;
}

export function setHorario(deps: AppDeps, p: CuentaPrincipal, input: unknown): Promise<Horario> {
  return saveAjuste(deps, p, 'horario', parse(horarioSchema, input));
}

export function setLimites(deps: AppDeps, p: CuentaPrincipal, input: unknown): Promise<Limites> {
  return saveAjuste(deps, p, 'limites', parse(limitesSchema, input));
}

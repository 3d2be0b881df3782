// What a filer chooses from and within: the active document types and offices, the upload limits
// and the office hours in force. Kept like the other settings an admin changes (lib/settings.ts).
import type { Knex } from 'knex';
import { ANEXO_EXTENSIONS } from '../../domain/archivos';
import { LIMA_TIME_ZONE } from '../../domain/formats';
import type { Config } from '../../lib/config';
import { TipoDocumento, Unidad } from '../../lib/models';
import { dbCache, effectiveLimits, loadSettings } from '../../lib/settings';
import type { AppDeps } from '../deps';

const MB = 1024 * 1024;

export interface Catalog {
  /** Active document types by code, with their plazo de atención. */
  tipos: Map<string, { nombre: string; plazoAtencionDias: number | null }>;
  /** Active offices by code. */
  unidades: Map<string, { nombre: string }>;
}

export interface Opcion {
  codigo: string;
  nombre: string;
}

export interface LimitesDeCarga {
  principalMB: number;
  primerAnexoMB: number;
  anexoMB: number;
  principalBytes: number;
  primerAnexoBytes: number;
  anexoBytes: number;
  anexos: number;
  extensiones: readonly string[];
}

export interface Catalogos {
  tiposDocumento: Opcion[];
  destinos: Opcion[];
  limites: { principalMB: number; primerAnexoMB: number; anexoMB: number; anexos: number; extensionesAnexo: readonly string[] };
  horario: { dias: string; inicio: string; fin: string; zonaHoraria: string };
}

// A filing does not ask the database for the catalogue each time.
const catalogs = dbCache<Catalog>(async (db) => {
  const [tipos, unidades] = await Promise.all([
    TipoDocumento.query(db).where({ activo: true }).select('codigo', 'nombre', 'plazo_atencion_dias'),
    Unidad.query(db).where({ activa: true }).select('codigo', 'nombre'),
  ]);
  return {
    tipos: new Map(tipos.map((t) => [t.codigo, { nombre: t.nombre, plazoAtencionDias: t.plazo_atencion_dias }])),
    unidades: new Map(unidades.map((u) => [u.codigo, { nombre: u.nombre }])),
  };
});

export function activeCatalog(db: Knex, config: Config): Promise<Catalog> {
  return catalogs.get(db, config);
}

/** After an admin changes the catalogue: this process reads it again at once. */
export function forgetCatalog(db: Knex) {
  catalogs.forget(db);
}

/** The active document types, by name. */
export async function tiposActivos(deps: AppDeps): Promise<Opcion[]> {
  return TipoDocumento.query(deps.db).where({ activo: true }).orderBy('nombre').select('codigo', 'nombre');
}

/** The active offices, by name. */
export async function unidadesActivas(deps: AppDeps): Promise<Opcion[]> {
  return Unidad.query(deps.db).where({ activa: true }).orderBy('nombre').select('codigo', 'nombre');
}

/** Every office's or document type's name by code, inactive ones included (old cases name them). */
export async function nombres(deps: AppDeps, de: 'unidades' | 'tipos'): Promise<Map<string, string>> {
  const rows: Opcion[] = de === 'unidades' ? await Unidad.query(deps.db).select('codigo', 'nombre') : await TipoDocumento.query(deps.db).select('codigo', 'nombre');
  return new Map(rows.map((x) => [x.codigo, x.nombre]));
}

/** The upload limits in force (the admin's, else lib/config.ts). */
export async function limitesDeCarga(deps: AppDeps): Promise<LimitesDeCarga> {
  const l = await effectiveLimits(deps.db, deps.config);
  return {
    principalMB: l.principalBytes / MB,
    primerAnexoMB: l.firstAnexoBytes / MB,
    anexoMB: l.otherAnexoBytes / MB,
    principalBytes: l.principalBytes,
    primerAnexoBytes: l.firstAnexoBytes,
    anexoBytes: l.otherAnexoBytes,
    anexos: l.maxAnexos,
    extensiones: ANEXO_EXTENSIONS,
  };
}

/** Office hours, Monday to Friday, Lima time. */
export async function horarioDeAtencion(deps: AppDeps): Promise<{ inicio: string; fin: string }> {
  const { horario } = await loadSettings(deps.db, deps.config);
  return { inicio: horario.inicio, fin: horario.fin };
}

/** Everything a filing form offers, as the public API answers it. */
export async function catalogos(deps: AppDeps): Promise<Catalogos> {
  const [tiposDocumento, destinos, l, h] = await Promise.all([tiposActivos(deps), unidadesActivas(deps), limitesDeCarga(deps), horarioDeAtencion(deps)]);
  return {
    tiposDocumento,
    destinos,
    limites: { principalMB: l.principalMB, primerAnexoMB: l.primerAnexoMB, anexoMB: l.anexoMB, anexos: l.anexos, extensionesAnexo: l.extensiones },
    horario: { dias: 'lunes a viernes', inicio: h.inicio, fin: h.fin, zonaHoraria: LIMA_TIME_ZONE },
  };
}

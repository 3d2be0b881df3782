// Unidades orgánicas: the offices and their hierarchy. Each change is checked and written under a
// table lock, with its audit row in the same transaction.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError, notAllowed, notFound } from '../errors';
import { parse, text } from '../validation';
import type { CuentaPrincipal } from '../../domain/principal';
import { recordAudit } from '../../lib/audit';
import { Unidad as UnidadRow } from '../../lib/models';
import { activo, blank, blocked, catalogChange, codigo, saveAudited } from './cambios';

export interface Unidad {
  codigo: string;
  nombre: string;
  padre: string | null;
  activa: boolean;
  esMesaPartes: boolean;
}

const unidadOf = (r: UnidadRow): Unidad => ({ codigo: r.codigo, nombre: r.nombre, padre: r.padre_codigo, activa: r.activa, esMesaPartes: r.es_mesa_partes });
const unidadAudit = (u: Unidad) => ({ nombre: u.nombre, padre: u.padre, activa: u.activa });

/** Every office, parents before their children (alphabetical among siblings), with its depth. */
export async function listUnidades(deps: Pick<AppDeps, 'db'>): Promise<(Unidad & { nivel: number })[]> {
  const all = (await UnidadRow.query(deps.db).orderBy('nombre')).map(unidadOf);
  const known = new Set(all.map((u) => u.codigo));
  const placed = new Set<string>();
  const out: (Unidad & { nivel: number })[] = [];
  const visit = (padre: string | null, nivel: number) => {
    for (const u of all.filter((x) => (x.padre && known.has(x.padre) ? x.padre : null) === padre && !placed.has(x.codigo))) {
      placed.add(u.codigo);
      out.push({ ...u, nivel });
      visit(u.codigo, nivel + 1);
    }
  };
  visit(null, 0);
  // Rows written around this code (a loop entered by hand in the database) still show, at the end.
  for (const u of all) if (!placed.has(u.codigo)) out.push({ ...u, nivel: 0 });
  return out;
}

/** True when making `padre` the parent of `codigo` would make `codigo` its own ancestor. */
export function makesCycle(codigo: string, padre: string, parentOf: Map<string, string | null>) {
  const seen = new Set<string>();
  for (let p: string | null | undefined = padre; p; p = parentOf.get(p)) {
    if (p === codigo) return true;
    if (seen.has(p)) return false;
    seen.add(p);
  }
  return false;
}

const padre = z.preprocess(blank, z.string().trim().toUpperCase().max(20, 'El código de la unidad superior no existe.').nullable().optional());
const nombreUnidad = text('el nombre de la unidad', 3, 150);
const nuevaUnidad = z.object({ codigo, nombre: nombreUnidad, padre });
const cambioUnidad = z.object({ nombre: nombreUnidad.optional(), padre, activa: activo.optional() });

/** Locks the office table: hierarchy changes are checked and written one at a time. */
async function lockedUnidades(trx: Knex) {
  await trx.raw('lock table unidades in share row exclusive mode');
  return (await UnidadRow.query(trx)).map(unidadOf);
}

function checkPadre(codigoUnidad: string, padreCodigo: string, all: Unidad[]) {
  const p = all.find((u) => u.codigo === padreCodigo);
  if (!p) throw notAllowed(`La unidad superior ${padreCodigo} no existe.`, 'padre');
  if (!p.activa) throw notAllowed(`La unidad superior ${padreCodigo} está desactivada.`, 'padre');
  if (makesCycle(codigoUnidad, padreCodigo, new Map(all.map((u) => [u.codigo, u.padre])))) {
    throw notAllowed('Una unidad no puede depender de sí misma ni de una unidad que depende de ella.', 'padre');
  }
}

export async function createUnidad(deps: AppDeps, p: CuentaPrincipal, input: unknown): Promise<Unidad> {
  const d = parse(nuevaUnidad, input);
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const all = await lockedUnidades(trx);
    if (all.some((u) => u.codigo === d.codigo)) throw new AppError(409, 'YA_EXISTE', `Ya existe una unidad con el código ${d.codigo}.`, 'codigo');
    if (d.padre) checkPadre(d.codigo, d.padre, all);
    const now = deps.clock.now();
    const row = await UnidadRow.query(trx).insert({ codigo: d.codigo, nombre: d.nombre, padre_codigo: d.padre ?? null, created_at: now, updated_at: now }).returning('*');
    const u = unidadOf(row);
    await recordAudit(trx, { cuentaId: p.cuentaId, entidad: 'unidad', clave: u.codigo, accion: 'CREAR', despues: unidadAudit(u), en: now });
    return u;
  }));
}

/** Deactivating or reactivating must leave the hierarchy whole and the mesa de partes open. */
function checkActivation(before: Unidad, after: Unidad, all: Unidad[]) {
  if (before.activa && !after.activa) {
    if (before.esMesaPartes) throw blocked('La Mesa de Partes no se puede desactivar: recibe todos los documentos.');
    const hijas = all.filter((u) => u.padre === before.codigo && u.activa).map((u) => u.codigo);
    if (hijas.length) throw blocked(`Primero desactive o mueva las unidades que dependen de ella: ${hijas.join(', ')}.`);
  }
  if (!before.activa && after.activa && after.padre && !all.find((u) => u.codigo === after.padre)?.activa) {
    throw blocked(`Primero active la unidad superior ${after.padre}.`);
  }
}

export async function updateUnidad(deps: AppDeps, p: CuentaPrincipal, codigoUnidad: string, input: unknown): Promise<Unidad> {
  const d = parse(cambioUnidad, input);
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const all = await lockedUnidades(trx);
    const before = all.find((u) => u.codigo === codigoUnidad);
    if (!before) throw notFound('La unidad orgánica no existe.');
    const after: Unidad = { ...before, nombre: d.nombre ?? before.nombre, padre: d.padre === undefined ? before.padre : d.padre, activa: d.activa ?? before.activa };
    if (after.padre && after.padre !== before.padre) checkPadre(after.codigo, after.padre, all);
    checkActivation(before, after, all);
    const changed = await saveAudited(trx, deps, { cuentaId: p.cuentaId, entidad: 'unidad', clave: before.codigo, antes: unidadAudit(before), despues: unidadAudit(after), flag: 'activa' }, (now) =>
      UnidadRow.query(trx).findById(before.codigo).patch({ nombre: after.nombre, padre_codigo: after.padre, activa: after.activa, updated_at: now }),
    );
    return changed ? after : before;
  }));
}

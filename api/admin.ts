// Administration (issue #5): offices with their hierarchy, document types with their plazo,
// business hours and upload limits, and the audit trail. The same functions serve the JSON API
// under /api/v1/admin (below) and the /admin pages; every change writes its audit row in the
// same transaction. Staff accounts live in api/cuentas.ts, non-working days in calendario-admin.ts.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from './app';
import { HttpError, notFound } from './errors';
import { bodyOf, parse, text } from './validation';
import { requireRole } from './auth/roles';
import { formatInstant, isValidDay } from '../domain/calendar';
import { displayName } from '../domain/persona';
import { ENTIDAD_LABEL, listAudit, recordAudit, type AccionAuditada, type EntidadAuditada } from '../lib/audit';
import { forgetCatalog } from './expedientes';
import { BOUNDS, configDefaults, forgetSettings, loadSettings, writeSetting, type ClaveAjuste, type Settings } from '../lib/settings';

const refused = (message: string, field?: string) => new HttpError(422, 'NO_PERMITIDO', message, field);
const blank = (v: unknown) => (v === '' ? null : v);
const codigo = z
  .string({ error: 'Ingrese el código.' })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,19}$/, 'El código debe tener de 1 a 20 caracteres: letras, números, guion o guion bajo, sin espacios.');
const activo = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'Indique si está activo con true o false.' }));
const sameAs = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);

/** CREAR / EDITAR / ACTIVAR / DESACTIVAR for a change of `antes` into `despues`. */
function accionDe(antes: Record<string, unknown>, despues: Record<string, unknown>, flag: string): AccionAuditada {
  const others = Object.keys(despues).some((k) => k !== flag && JSON.stringify(antes[k]) !== JSON.stringify(despues[k]));
  if (others || antes[flag] === despues[flag]) return 'EDITAR';
  return despues[flag] ? 'ACTIVAR' : 'DESACTIVAR';
}

// ---------- unidades orgánicas ----------

export interface Unidad {
  codigo: string;
  nombre: string;
  padre: string | null;
  activa: boolean;
  esMesaPartes: boolean;
}

const unidadOf = (r: { codigo: string; nombre: string; padre_codigo: string | null; activa: boolean; es_mesa_partes: boolean }): Unidad => ({
  codigo: r.codigo,
  nombre: r.nombre,
  padre: r.padre_codigo,
  activa: r.activa,
  esMesaPartes: r.es_mesa_partes,
});
const unidadAudit = (u: Unidad) => ({ nombre: u.nombre, padre: u.padre, activa: u.activa });

/** Every office, parents before their children (alphabetical among siblings), with its depth. */
export async function listUnidades(db: Knex): Promise<(Unidad & { nivel: number })[]> {
  const all = (await db('unidades').orderBy('nombre')).map(unidadOf);
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
  return (await trx('unidades')).map(unidadOf);
}

function checkPadre(codigoUnidad: string, padreCodigo: string, all: Unidad[]) {
  const p = all.find((u) => u.codigo === padreCodigo);
  if (!p) throw refused(`La unidad superior ${padreCodigo} no existe.`, 'padre');
  if (!p.activa) throw refused(`La unidad superior ${padreCodigo} está desactivada.`, 'padre');
  if (makesCycle(codigoUnidad, padreCodigo, new Map(all.map((u) => [u.codigo, u.padre])))) {
    throw refused('Una unidad no puede depender de sí misma ni de una unidad que depende de ella.', 'padre');
  }
}

export async function createUnidad(deps: AppDeps, input: unknown, cuentaId: number) {
  const d = parse(nuevaUnidad, input);
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const all = await lockedUnidades(trx);
    if (all.some((u) => u.codigo === d.codigo)) throw new HttpError(409, 'YA_EXISTE', `Ya existe una unidad con el código ${d.codigo}.`, 'codigo');
    if (d.padre) checkPadre(d.codigo, d.padre, all);
    const now = deps.clock.now();
    const [row] = await trx('unidades').insert({ codigo: d.codigo, nombre: d.nombre, padre_codigo: d.padre ?? null, created_at: now, updated_at: now }).returning('*');
    const u = unidadOf(row);
    await recordAudit(trx, { cuentaId, entidad: 'unidad', clave: u.codigo, accion: 'CREAR', despues: unidadAudit(u), en: now });
    return u;
  }));
}

export async function updateUnidad(deps: AppDeps, codigoUnidad: string, input: unknown, cuentaId: number) {
  const d = parse(cambioUnidad, input);
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const all = await lockedUnidades(trx);
    const before = all.find((u) => u.codigo === codigoUnidad);
    if (!before) throw notFound('La unidad orgánica no existe.');
    const after: Unidad = { ...before, nombre: d.nombre ?? before.nombre, padre: d.padre === undefined ? before.padre : d.padre, activa: d.activa ?? before.activa };
    if (after.padre && after.padre !== before.padre) checkPadre(after.codigo, after.padre, all);
    if (before.activa && !after.activa) {
      if (before.esMesaPartes) throw new HttpError(409, 'NO_PERMITIDO', 'La Mesa de Partes no se puede desactivar: recibe todos los documentos.');
      const hijas = all.filter((u) => u.padre === before.codigo && u.activa).map((u) => u.codigo);
      if (hijas.length) throw new HttpError(409, 'NO_PERMITIDO', `Primero desactive o mueva las unidades que dependen de ella: ${hijas.join(', ')}.`);
    }
    if (!before.activa && after.activa && after.padre && !all.find((u) => u.codigo === after.padre)?.activa) {
      throw new HttpError(409, 'NO_PERMITIDO', `Primero active la unidad superior ${after.padre}.`);
    }
    if (sameAs(unidadAudit(before), unidadAudit(after))) return before;
    const now = deps.clock.now();
    await trx('unidades').where({ codigo: before.codigo }).update({ nombre: after.nombre, padre_codigo: after.padre, activa: after.activa, updated_at: now });
    const antes = unidadAudit(before);
    const despues = unidadAudit(after);
    await recordAudit(trx, { cuentaId, entidad: 'unidad', clave: before.codigo, accion: accionDe(antes, despues, 'activa'), antes, despues, en: now });
    return after;
  }));
}

/** Offices and types feed the filing's cached catalogue: this process reads it again at once. */
async function catalogChange<T>(deps: AppDeps, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } finally {
    forgetCatalog(deps.db);
  }
}

// ---------- tipos de documento ----------

export interface TipoDocumento {
  codigo: string;
  nombre: string;
  /** Días hábiles; null: the installation's default (config.plazos.atencion). */
  plazoAtencionDias: number | null;
  activo: boolean;
}

const tipoOf = (r: { codigo: string; nombre: string; plazo_atencion_dias: number | null; activo: boolean }): TipoDocumento => ({
  codigo: r.codigo,
  nombre: r.nombre,
  plazoAtencionDias: r.plazo_atencion_dias,
  activo: r.activo,
});

const tipoAudit = (t: TipoDocumento) => ({ nombre: t.nombre, plazoAtencionDias: t.plazoAtencionDias, activo: t.activo });

export async function listTipos(db: Knex): Promise<TipoDocumento[]> {
  return (await db('tipos_documento').orderBy('nombre')).map(tipoOf);
}

const PLAZO_MSG = 'El plazo de atención debe ser un número entero de días hábiles entre 1 y 365.';
const plazoAtencion = z.preprocess(
  (v) => (v === '' || v === null ? null : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number({ error: PLAZO_MSG }).int(PLAZO_MSG).min(1, PLAZO_MSG).max(365, PLAZO_MSG).nullable().optional(),
);
const nombreTipo = text('el nombre del tipo de documento', 3, 100);
const nuevoTipo = z.object({ codigo, nombre: nombreTipo, plazoAtencionDias: plazoAtencion });
const cambioTipo = z.object({ nombre: nombreTipo.optional(), plazoAtencionDias: plazoAtencion, activo: activo.optional() });

export async function createTipo(deps: AppDeps, input: unknown, cuentaId: number) {
  const d = parse(nuevoTipo, input);
  const now = deps.clock.now();
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const [row] = await trx('tipos_documento')
      .insert({ codigo: d.codigo, nombre: d.nombre, plazo_atencion_dias: d.plazoAtencionDias ?? null, created_at: now, updated_at: now })
      .onConflict('codigo')
      .ignore()
      .returning('*');
    if (!row) throw new HttpError(409, 'YA_EXISTE', `Ya existe un tipo de documento con el código ${d.codigo}.`, 'codigo');
    const t = tipoOf(row);
    await recordAudit(trx, { cuentaId, entidad: 'tipo_documento', clave: t.codigo, accion: 'CREAR', despues: tipoAudit(t), en: now });
    return t;
  }));
}

export async function updateTipo(deps: AppDeps, codigoTipo: string, input: unknown, cuentaId: number) {
  const d = parse(cambioTipo, input);
  return catalogChange(deps, deps.db.transaction(async (trx) => {
    const row = await trx('tipos_documento').where({ codigo: codigoTipo }).forUpdate().first();
    if (!row) throw notFound('El tipo de documento no existe.');
    const before = tipoOf(row);
    const after: TipoDocumento = {
      ...before,
      nombre: d.nombre ?? before.nombre,
      plazoAtencionDias: d.plazoAtencionDias === undefined ? before.plazoAtencionDias : d.plazoAtencionDias,
      activo: d.activo ?? before.activo,
    };
    if (before.activo && !after.activo) {
      const [{ n }] = await trx('tipos_documento').where({ activo: true }).count<{ n: number }[]>({ n: '*' });
      if (Number(n) <= 1) throw new HttpError(409, 'NO_PERMITIDO', 'Debe quedar al menos un tipo de documento activo para presentar documentos.');
    }
    const antes = tipoAudit(before);
    const despues = tipoAudit(after);
    if (sameAs(antes, despues)) return before;
    const now = deps.clock.now();
    await trx('tipos_documento').where({ codigo: before.codigo }).update({ nombre: after.nombre, plazo_atencion_dias: after.plazoAtencionDias, activo: after.activo, updated_at: now });
    await recordAudit(trx, { cuentaId, entidad: 'tipo_documento', clave: before.codigo, accion: accionDe(antes, despues, 'activo'), antes, despues, en: now });
    return after;
  }));
}

// ---------- business hours and upload limits ----------

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

/** The settings in force and, for each group, who changed it last (null: lib/config.ts applies). */
export async function getAjustes(deps: AppDeps) {
  const [settings, rows] = await Promise.all([
    loadSettings(deps.db, deps.config),
    deps.db('ajustes as a').leftJoin('cuentas as c', 'c.id', 'a.actualizado_por').select('a.clave', 'a.actualizado_en', 'c.email', 'c.nombres', 'c.apellido_paterno', 'c.apellido_materno', 'c.razon_social'),
  ]);
  const by = (clave: ClaveAjuste) => {
    const r = rows.find((x) => x.clave === clave);
    return r ? { por: displayName(r) || r.email, en: formatInstant(new Date(r.actualizado_en)) } : null;
  };
  return { ...settings, permitidos: BOUNDS, actualizado: { horario: by('horario'), limites: by('limites') }, predeterminado: configDefaults(deps.config) };
}

async function saveAjuste<K extends ClaveAjuste>(deps: AppDeps, clave: K, valor: Settings[K], cuentaId: number) {
  await deps.db.transaction(async (trx) => {
    const row = await trx('ajustes').where({ clave }).forUpdate().first('valor');
    const antes = { ...configDefaults(deps.config)[clave], ...(row?.valor ?? {}) };
    if (sameAs(antes, valor)) return;
    const now = deps.clock.now();
    await writeSetting(trx, clave, valor, cuentaId, now);
    await recordAudit(trx, { cuentaId, entidad: 'ajustes', clave, accion: 'EDITAR', antes, despues: valor, en: now });
  });
  forgetSettings(deps.db);
  return valor;
}

export async function setHorario(deps: AppDeps, input: unknown, cuentaId: number) {
  return saveAjuste(deps, 'horario', parse(horarioSchema, input), cuentaId);
}

export async function setLimites(deps: AppDeps, input: unknown, cuentaId: number) {
  return saveAjuste(deps, 'limites', parse(limitesSchema, input), cuentaId);
}

// ---------- audit trail ----------

const ENTIDADES = Object.keys(ENTIDAD_LABEL) as [EntidadAuditada, ...EntidadAuditada[]];
const dia = (label: string) => z.preprocess(blank, z.string().refine(isValidDay, `${label} debe ser un día válido AAAA-MM-DD.`).nullable().optional());
const auditQuery = z
  .object({
    entidad: z.preprocess(blank, z.enum(ENTIDADES, { error: `La entidad debe ser una de: ${ENTIDADES.join(', ')}.` }).nullable().optional()),
    clave: z.preprocess(blank, z.string().trim().max(100, 'La clave no puede tener más de 100 caracteres.').nullable().optional()),
    desde: dia('La fecha inicio'),
    hasta: dia('La fecha fin'),
    despues: z.preprocess(blank, z.coerce.number({ error: 'El cursor no es válido.' }).int('El cursor no es válido.').positive('El cursor no es válido.').nullable().optional()),
    limite: z.preprocess(blank, z.coerce.number().int().min(1, 'El límite debe estar entre 1 y 100.').max(100, 'El límite debe estar entre 1 y 100.').nullable().optional()),
  })
  .refine((q) => !q.desde || !q.hasta || q.desde <= q.hasta, { message: 'La fecha inicio debe ser anterior o igual a la fecha fin.', path: ['hasta'] });

export type AuditQuery = z.infer<typeof auditQuery>;

export function parseAuditQuery(query: unknown): AuditQuery {
  return parse(auditQuery, query);
}

export function auditoria(deps: AppDeps, q: AuditQuery) {
  return listAudit(deps.db, {
    entidad: q.entidad ?? undefined,
    clave: q.clave ?? undefined,
    desde: q.desde ?? undefined,
    hasta: q.hasta ?? undefined,
    despues: q.despues ?? undefined,
    limite: q.limite ?? 50,
  });
}

// ---------- JSON API ----------

export function adminRouter(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1/admin' });
  const admin = (ctx: Context) => requireRole(ctx, 'admin').cuentaId;

  r.get('/unidades', async (ctx) => {
    admin(ctx);
    ctx.body = { unidades: (await listUnidades(deps.db)).map(({ nivel: _n, ...u }) => u) };
  });
  r.post('/unidades', async (ctx) => {
    const who = admin(ctx);
    ctx.body = await createUnidad(deps, bodyOf(ctx), who);
    ctx.status = 201;
  });
  r.patch('/unidades/:codigo', async (ctx) => {
    ctx.body = await updateUnidad(deps, ctx.params.codigo.toUpperCase(), bodyOf(ctx), admin(ctx));
  });

  r.get('/tipos-documento', async (ctx) => {
    admin(ctx);
    ctx.body = { tiposDocumento: await listTipos(deps.db), plazoAtencionPredeterminado: deps.config.plazos.atencion };
  });
  r.post('/tipos-documento', async (ctx) => {
    const who = admin(ctx);
    ctx.body = await createTipo(deps, bodyOf(ctx), who);
    ctx.status = 201;
  });
  r.patch('/tipos-documento/:codigo', async (ctx) => {
    ctx.body = await updateTipo(deps, ctx.params.codigo.toUpperCase(), bodyOf(ctx), admin(ctx));
  });

  r.get('/ajustes', async (ctx) => {
    admin(ctx);
    ctx.body = await getAjustes(deps);
  });
  r.put('/ajustes/horario', async (ctx) => {
    ctx.body = { horario: await setHorario(deps, bodyOf(ctx), admin(ctx)) };
  });
  r.put('/ajustes/limites', async (ctx) => {
    ctx.body = { limites: await setLimites(deps, bodyOf(ctx), admin(ctx)) };
  });

  r.get('/auditoria', async (ctx) => {
    admin(ctx);
    const page = await auditoria(deps, parseAuditQuery(ctx.query));
    ctx.body = { registros: page.registros.map((a) => ({ ...a, en: formatInstant(a.en) })), siguiente: page.siguiente };
  });

  return r;
}

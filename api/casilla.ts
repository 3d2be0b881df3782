// Casilla electrónica API (DESIGN.md "API"; Ley 31736): a citizen's notifications with filters and
// keyset pages, opening one (the first opening by the addressee is the acuse de lectura), its
// constancia and files, the unread count, and exports of the list as shown (Excel, PDF). Only the
// addressee, and staff through the case, see a notification; anyone else gets 404.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppDeps } from './app';
import { HttpError, notFound } from './errors';
import { parse } from './validation';
import { requireRole } from './auth/roles';
import { STAFF_ROLES, principal } from './auth/session';
import { streamStored, visibleExpediente } from './routes-expedientes';
import { addDays, formatInstant, isValidDay, limaDay, limaInstant } from '../domain/calendar';
import { formatDay } from '../lib/documents';
import { EXPORT_MAX_FILAS, toPdf, toXlsx, type ExportTabla } from '../lib/exports';

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const day = (label: string) => z.preprocess(blank, z.string().refine(isValidDay, `La fecha «${label}» debe ser AAAA-MM-DD.`).optional());

const casillaSchema = z.object({
  anio: z.preprocess(blank, z.coerce.number({ error: 'El año debe ser un número.' }).int('El año debe ser un número.').min(2000, 'Año fuera de rango.').max(2100, 'Año fuera de rango.').optional()),
  asunto: z.preprocess(blank, z.string().trim().max(200, 'El asunto a buscar no puede tener más de 200 caracteres.').optional()),
  unidad: z.preprocess(blank, z.string().trim().max(20).optional()),
  tipo: z.preprocess(blank, z.string().trim().max(100).optional()),
  desde: day('desde'),
  hasta: day('hasta'),
  leida: z.preprocess(
    (v) => (blank(v) === undefined ? undefined : /^(1|true|si|sí)$/i.test(String(v)) ? true : /^(0|false|no)$/i.test(String(v)) ? false : v),
    z.boolean({ error: '«leida» debe ser true o false.' }).optional(),
  ),
  despues: z.preprocess(blank, z.coerce.number({ error: 'El cursor de página no es válido.' }).int().positive().optional()),
  limite: z.coerce.number().int().min(1).max(100).default(20),
});
type CasillaFiltros = z.infer<typeof casillaSchema>;

/** The addressee's notifications that match the filters (newest first is up to the caller). */
function filtered(deps: AppDeps, cuentaId: number, f: CasillaFiltros) {
  const q = deps.db('notificaciones as n').join('expedientes as e', 'e.id', 'n.expediente_id').where('n.cuenta_id', cuentaId);
  if (f.leida === true) q.whereNotNull('n.leida_en');
  if (f.leida === false) q.whereNull('n.leida_en');
  // Days and years are Lima days of the deposit.
  if (f.anio) q.where('n.depositada_en', '>=', limaInstant(`${f.anio}-01-01`, '00:00')).andWhere('n.depositada_en', '<', limaInstant(`${f.anio + 1}-01-01`, '00:00'));
  if (f.desde) q.where('n.depositada_en', '>=', limaInstant(f.desde, '00:00'));
  if (f.hasta) q.where('n.depositada_en', '<', limaInstant(addDays(f.hasta, 1), '00:00'));
  if (f.asunto) q.whereILike('n.asunto', `%${f.asunto.replace(/[%_\\]/g, '')}%`);
  if (f.unidad) q.where('n.unidad', f.unidad);
  if (f.tipo) q.where('n.documento_tipo', f.tipo);
  return q.select('n.*', 'e.numero as expediente');
}

function item(n: Record<string, any>) {
  const depositada = new Date(n.depositada_en);
  return {
    id: n.id as number,
    expediente: n.expediente as string,
    anio: Number(limaDay(depositada).slice(0, 4)),
    asunto: n.asunto as string,
    tipo: n.documento_tipo as string,
    numero: n.documento_numero as string,
    categoria: n.tipo as string,
    dependencia: n.dependencia as string,
    unidad: n.unidad as string | null,
    emisor: n.emisor as string,
    emitidoEn: formatInstant(new Date(n.emitido_en)),
    depositadoEn: formatInstant(depositada),
    leidoEn: n.leida_en ? formatInstant(new Date(n.leida_en)) : null,
    venceEn: n.vence ? formatInstant(new Date(n.vence)) : null,
    url: `/api/v1/casilla/${n.id}`,
    constanciaUrl: `/api/v1/casilla/${n.id}/constancia.pdf`,
    codigoVerificacion: n.codigo_verificacion as string,
  };
}

/** Unread notifications of an account: the badge in the header and "check for new". */
export async function countUnread(deps: AppDeps, cuentaId: number): Promise<number> {
  const [{ n }] = await deps.db('notificaciones').where({ cuenta_id: cuentaId }).whereNull('leida_en').count({ n: '*' });
  return Number(n);
}

/** One page of the citizen's casilla, newest first, by keyset on the id. */
export async function listCasilla(ctx: Context, deps: AppDeps, query: unknown) {
  const p = requireRole(ctx, 'ciudadano');
  const f = parse(casillaSchema, query);
  const q = filtered(deps, p.cuentaId, f);
  if (f.despues) q.where('n.id', '<', f.despues);
  const [rows, noLeidas] = await Promise.all([q.orderBy('n.id', 'desc').limit(f.limite + 1), countUnread(deps, p.cuentaId)]);
  const page = rows.slice(0, f.limite);
  return {
    notificaciones: page.map(item),
    siguiente: rows.length > f.limite ? page[page.length - 1].id : null,
    noLeidas,
  };
}

/** The values the filter selects offer: what is in this casilla. */
export async function casillaOptions(deps: AppDeps, cuentaId: number) {
  const base = () => deps.db('notificaciones').where({ cuenta_id: cuentaId });
  const [anios, unidades, tipos] = await Promise.all([
    base().distinct(deps.db.raw("extract(year from depositada_en at time zone 'America/Lima')::int as anio")).orderBy('anio', 'desc'),
    base().whereNotNull('unidad').distinct('unidad as codigo', 'dependencia as nombre').orderBy('nombre'),
    base().distinct('documento_tipo as nombre').orderBy('nombre'),
  ]);
  return { anios: anios.map((a) => Number(a.anio)), unidades: unidades as { codigo: string; nombre: string }[], tipos: tipos.map((t) => t.nombre as string) };
}

/** The notification for its addressee or for staff who may see its case; 404 for anyone else. */
async function visibleNotification(ctx: Context, deps: AppDeps, rawId: string) {
  const p = principal(ctx);
  if (!p) throw new HttpError(401, 'NO_AUTENTICADO', 'Inicie sesión para continuar.');
  const gone = notFound('La notificación no existe.');
  const id = /^\d{1,15}$/.test(rawId) ? Number(rawId) : NaN;
  const n = Number.isSafeInteger(id) ? await deps.db('notificaciones as n').join('expedientes as e', 'e.id', 'n.expediente_id').where('n.id', id).first('n.*', 'e.numero as expediente') : undefined;
  if (!n || p.kind !== 'cuenta') throw gone;
  if (n.cuenta_id === p.cuentaId) return { n, addressee: true };
  if (!STAFF_ROLES.includes(p.rol)) throw gone;
  await visibleExpediente(ctx, deps, n.expediente).catch(() => {
    throw gone;
  });
  return { n, addressee: false };
}

/** The acuse de lectura: the first opening by the addressee, recorded once with its instant. */
async function markRead(deps: AppDeps, n: Record<string, any>) {
  if (n.leida_en) return;
  await deps.db('notificaciones').where({ id: n.id }).whereNull('leida_en').update({ leida_en: deps.clock.now() });
  n.leida_en = (await deps.db('notificaciones').where({ id: n.id }).first('leida_en')).leida_en;
}

/** Opens a notification: its data, text and files; the addressee's first opening marks it read. */
export async function openNotification(ctx: Context, deps: AppDeps, rawId: string) {
  const { n, addressee } = await visibleNotification(ctx, deps, rawId);
  if (addressee) await markRead(deps, n);
  const docs = await deps.db('notificacion_documentos as nd')
    .join('documentos as d', 'd.id', 'nd.documento_id')
    .where('nd.notificacion_id', n.id)
    .orderBy('nd.orden')
    .select('d.id', 'd.nombre', 'd.bytes', 'd.mime', 'd.sha256', 'nd.orden');
  return {
    ...item(n),
    detalle: (n.detalle as string | null) ?? '',
    plazo: n.vence ? { descripcion: n.plazo_descripcion as string, inicio: n.plazo_inicio as string, vence: formatInstant(new Date(n.vence)) } : null,
    constanciaEmitida: !!n.constancia_sha256,
    documentos: docs.map((d) => ({
      id: d.id as number,
      rol: d.orden === 0 ? 'PRINCIPAL' : 'ANEXO',
      nombre: d.nombre as string,
      bytes: Number(d.bytes),
      mime: d.mime as string,
      sha256: d.sha256 as string,
      url: `/api/v1/casilla/${n.id}/documentos/${d.id}`,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Exports: the list as shown (its tab and filters), every page of it.

const COLUMNAS: ExportTabla['columnas'] = [
  { clave: 'anio', titulo: 'Año', ancho: 8, tipo: 'numero' },
  { clave: 'expediente', titulo: 'Expediente', ancho: 16 },
  { clave: 'asunto', titulo: 'Asunto', ancho: 36 },
  { clave: 'dependencia', titulo: 'Dependencia', ancho: 22 },
  { clave: 'emisor', titulo: 'Emisor', ancho: 20 },
  { clave: 'tipo', titulo: 'Tipo de documento', ancho: 18 },
  { clave: 'numero', titulo: 'Número', ancho: 22 },
  { clave: 'emitidoEn', titulo: 'Fecha de emisión', ancho: 16, tipo: 'fechaHora' },
  { clave: 'depositadoEn', titulo: 'Fecha de depósito', ancho: 16, tipo: 'fechaHora' },
  { clave: 'leidoEn', titulo: 'Leída el', ancho: 16, tipo: 'fechaHora' },
];

async function exportTable(ctx: Context, deps: AppDeps, query: unknown): Promise<ExportTabla> {
  const p = requireRole(ctx, 'ciudadano');
  const f = parse(casillaSchema, query);
  const rows = await filtered(deps, p.cuentaId, f).orderBy('n.id', 'desc').limit(EXPORT_MAX_FILAS + 1);
  const filtros: [string, string][] = [];
  if (f.leida !== undefined) filtros.push(['Bandeja', f.leida ? 'Leídos' : 'Pendientes por leer']);
  if (f.anio) filtros.push(['Año', String(f.anio)]);
  if (f.asunto) filtros.push(['Asunto', f.asunto]);
  if (f.unidad) filtros.push(['Dependencia', rows.find((r) => r.unidad === f.unidad)?.dependencia ?? f.unidad]);
  if (f.tipo) filtros.push(['Tipo de documento', f.tipo]);
  if (f.desde) filtros.push(['Desde', formatDay(f.desde)]);
  if (f.hasta) filtros.push(['Hasta', formatDay(f.hasta)]);
  const i = deps.config.institution;
  return {
    titulo: `Casilla electrónica — ${p.nombre}`,
    filtros,
    columnas: COLUMNAS,
    filas: rows.map(item),
    institucion: { nombre: i.name, ruc: i.ruc, siglas: i.shortName },
    generadoEn: deps.clock.now(),
  };
}

function attachment(ctx: Context, type: string, filename: string, body: Buffer) {
  ctx.type = type;
  ctx.set('Content-Disposition', `attachment; filename="${filename}"`);
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = body;
}

const exportName = (deps: AppDeps, ext: string) => `casilla-${limaDay(deps.clock.now())}.${ext}`;

export async function exportXlsx(ctx: Context, deps: AppDeps, query: unknown) {
  attachment(ctx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', exportName(deps, 'xlsx'), await toXlsx(await exportTable(ctx, deps, query)));
}

export async function exportPdf(ctx: Context, deps: AppDeps, query: unknown) {
  const table = await exportTable(ctx, deps, query);
  if (!deps.pdf) throw new HttpError(503, 'PDF_NO_DISPONIBLE', 'La exportación a PDF no está disponible en este momento. Use la exportación a Excel.');
  attachment(ctx, 'application/pdf', exportName(deps, 'pdf'), await toPdf(deps.pdf, table));
}

// ---------------------------------------------------------------------------------------------

export function casillaRouter(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1' });

  r.get('/casilla', async (ctx) => {
    ctx.body = await listCasilla(ctx, deps, ctx.query);
  });

  // "Check for new": a cheap count the page can poll.
  r.get('/casilla/no-leidas', async (ctx) => {
    const p = requireRole(ctx, 'ciudadano');
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = { noLeidas: await countUnread(deps, p.cuentaId) };
  });

  r.get(['/casilla.xlsx', '/casilla/export.xlsx'], (ctx) => exportXlsx(ctx, deps, ctx.query));
  r.get(['/casilla.pdf', '/casilla/export.pdf'], (ctx) => exportPdf(ctx, deps, ctx.query));

  r.get('/casilla/:id', async (ctx) => {
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = await openNotification(ctx, deps, ctx.params.id);
  });

  r.get('/casilla/:id/constancia.pdf', async (ctx) => {
    let { n } = await visibleNotification(ctx, deps, ctx.params.id);
    // The worker prints the constancia right after the deposit: wait briefly for it.
    for (let i = 0; !n.constancia_sha256 && i < 100; i++) {
      await new Promise((res) => setTimeout(res, 150));
      n = { ...n, ...(await deps.db('notificaciones').where({ id: n.id }).first('constancia_sha256')) };
    }
    if (!n.constancia_sha256) throw new HttpError(503, 'CONSTANCIA_EN_PREPARACION', 'La constancia se está generando. Intente nuevamente en unos segundos.');
    await streamStored(ctx, deps, n.constancia_sha256, `constancia-notificacion-${n.expediente}-${n.id}.pdf`, 'application/pdf', ctx.query.descargar === '1');
  });

  // A file of the notification: reading it is reading the notification.
  r.get('/casilla/:id/documentos/:doc', async (ctx) => {
    const { n, addressee } = await visibleNotification(ctx, deps, ctx.params.id);
    const docId = /^\d{1,15}$/.test(ctx.params.doc) ? Number(ctx.params.doc) : NaN;
    const d = Number.isSafeInteger(docId)
      ? await deps.db('notificacion_documentos as nd').join('documentos as d', 'd.id', 'nd.documento_id').where({ 'nd.notificacion_id': n.id, 'nd.documento_id': docId }).first('d.*')
      : undefined;
    if (!d) throw notFound('El documento no existe.');
    if (addressee) await markRead(deps, n);
    await streamStored(ctx, deps, d.sha256, d.nombre, d.mime, ctx.query.descargar === '1');
  });

  return r;
}

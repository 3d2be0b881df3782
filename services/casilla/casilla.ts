// Casilla electrónica (DESIGN.md "API"; Ley 31736): a citizen's notifications with filters and
// keyset pages, opening one (the first opening by the addressee is the acuse de lectura), its
// constancia and files, and the unread count. Only the addressee, and staff who may see the case
// (domain/visibility.ts), see a notification; anyone else is told it does not exist.
import { setTimeout as sleep } from 'node:timers/promises';
import { raw, type QueryBuilder } from 'objection';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { parse } from '../validation';
import { AppError, notFound } from '../errors';
import { STAFF_ROLES, type CuentaPrincipal, type Principal } from '../../domain/principal';
import { addDays, formatInstant, isValidDay, limaDay, limaInstant } from '../../domain/calendar';
import { LIMA_TIME_ZONE } from '../../domain/formats';
import { Expediente, Notificacion, NotificacionDocumento } from '../../lib/models';

const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const day = (label: string) => z.preprocess(blank, z.string().refine(isValidDay, `La fecha «${label}» debe ser AAAA-MM-DD.`).optional());

export const casillaSchema = z.object({
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
export type CasillaFiltros = z.infer<typeof casillaSchema>;

/** A notification as read, with its case's number. */
export type NotificacionLeida = Notificacion & { expediente: string };

/** The addressee's notifications that match the filters (newest first is up to the caller). */
export function filtered(deps: Pick<AppDeps, 'db'>, cuentaId: number, f: CasillaFiltros) {
  const q = Notificacion.query(deps.db).alias('n').join('expedientes as e', 'e.id', 'n.expediente_id').modify('paraCuenta', cuentaId);
  if (f.leida === true) q.modify('leidas');
  if (f.leida === false) q.modify('noLeidas');
  // Days and years are Lima days of the deposit.
  if (f.anio) q.where('n.depositada_en', '>=', limaInstant(`${f.anio}-01-01`, '00:00')).where('n.depositada_en', '<', limaInstant(`${f.anio + 1}-01-01`, '00:00'));
  if (f.desde) q.where('n.depositada_en', '>=', limaInstant(f.desde, '00:00'));
  if (f.hasta) q.where('n.depositada_en', '<', limaInstant(addDays(f.hasta, 1), '00:00'));
  if (f.asunto) q.whereILike('n.asunto', `%${f.asunto.replace(/[%_\\]/g, '')}%`);
  if (f.unidad) q.where('n.unidad', f.unidad);
  if (f.tipo) q.where('n.documento_tipo', f.tipo);
  return q.select('n.*', 'e.numero as expediente').castTo<NotificacionLeida[]>();
}

export function item(n: NotificacionLeida) {
  const depositada = new Date(n.depositada_en);
  return {
    id: n.id,
    expediente: n.expediente,
    anio: Number(limaDay(depositada).slice(0, 4)),
    asunto: n.asunto,
    tipo: n.documento_tipo,
    numero: n.documento_numero,
    categoria: n.tipo,
    dependencia: n.dependencia,
    unidad: n.unidad,
    emisor: n.emisor,
    emitidoEn: formatInstant(new Date(n.emitido_en)),
    depositadoEn: formatInstant(depositada),
    leidoEn: n.leida_en ? formatInstant(new Date(n.leida_en)) : null,
    venceEn: n.vence ? formatInstant(new Date(n.vence)) : null,
    url: `/api/v1/casilla/${n.id}`,
    constanciaUrl: `/api/v1/casilla/${n.id}/constancia.pdf`,
    codigoVerificacion: n.codigo_verificacion,
  };
}

export type ItemCasilla = ReturnType<typeof item>;

/** Unread notifications of an account: the badge in the header and "check for new". */
export function countUnread(deps: Pick<AppDeps, 'db'>, cuentaId: number): Promise<number> {
  return Notificacion.query(deps.db).modify('paraCuenta', cuentaId).modify('noLeidas').resultSize();
}

export interface PaginaCasilla {
  notificaciones: ItemCasilla[];
  /** The cursor of the next page; null at the end. */
  siguiente: number | null;
  noLeidas: number;
}

/** One page of the citizen's casilla, newest first, by keyset on the id; `query` holds casillaSchema's filters. */
export async function listCasilla(deps: AppDeps, p: CuentaPrincipal, query: unknown): Promise<PaginaCasilla> {
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
  const base = () => Notificacion.query(deps.db).modify('paraCuenta', cuentaId);
  const [anios, unidades, tipos] = await Promise.all([
    base().distinct(raw('extract(year from depositada_en at time zone ?)::int as anio', [LIMA_TIME_ZONE])).orderBy('anio', 'desc').castTo<{ anio: number }[]>(),
    base().whereNotNull('unidad').distinct('unidad as codigo', 'dependencia as nombre').orderBy('nombre').castTo<{ codigo: string; nombre: string }[]>(),
    base().distinct('documento_tipo as nombre').orderBy('nombre').castTo<{ nombre: string }[]>(),
  ]);
  return { anios: anios.map((a) => Number(a.anio)), unidades: unidades.map(({ codigo, nombre }) => ({ codigo, nombre })), tipos: tipos.map((t) => t.nombre) };
}

/** The notification for its addressee or for staff who may see its case; 404 for anyone else. */
async function visibleNotification(deps: AppDeps, p: Principal, rawId: string) {
  const gone = notFound('La notificación no existe.');
  const id = /^\d{1,15}$/.test(rawId) ? Number(rawId) : NaN;
  const n = Number.isSafeInteger(id)
    ? await Notificacion.query(deps.db).alias('n').join('expedientes as e', 'e.id', 'n.expediente_id').where('n.id', id).select('n.*', 'e.numero as expediente').first().castTo<NotificacionLeida | undefined>()
    : undefined;
  if (!n || p.kind !== 'cuenta') throw gone;
  if (n.cuenta_id === p.cuentaId) return { n, addressee: true };
  if (!STAFF_ROLES.includes(p.rol)) throw gone;
  const visible = await Expediente.query(deps.db).modify('visibleTo', p).findById(n.expediente_id).select('expedientes.id');
  if (!visible) throw gone;
  return { n, addressee: false };
}

// ---------------------------------------------------------------------------------------------
// The acuse de lectura (Ley 31736): the one home of the rule. A notification is read when its
// addressee first opens it or any file it carries, by whichever route (the casilla page or API,
// the case page's links, the API's /documentos/{id}); it is recorded before the file is sent, once
// (a single conditional UPDATE: concurrent openings agree on the first instant), and it is the
// instant `notificaciones.leida_en` the casilla shows. Staff opening the same files record nothing.
// The constancia is not the notification: it proves the deposit, names the files by their SHA-256
// and travels attached to the alert mail, so opening it (like showing the case page) is no acuse.

/** Records the acuse of the addressee's unread notifications that `which` selects. */
async function recordAcuse(deps: Pick<AppDeps, 'db' | 'clock'>, cuentaId: number, which: (qb: QueryBuilder<Notificacion>) => void) {
  await Notificacion.query(deps.db).modify('paraCuenta', cuentaId).modify('noLeidas').where(which).patch({ leida_en: deps.clock.now() });
}

/** The addressee opened the notification: its acuse, recorded once; `n` gets the instant that stands. */
async function markRead(deps: AppDeps, n: NotificacionLeida) {
  if (n.leida_en) return;
  await recordAcuse(deps, n.cuenta_id, (qb) => {
    qb.where('id', n.id);
  });
  n.leida_en = (await Notificacion.query(deps.db).findById(n.id).select('leida_en').throwIfNotFound()).leida_en;
}

/**
 * `p` opens a stored document of a case (services/expedientes/archivos.ts): when it is a file of a
 * notification deposited for `p`, that opening is the notification's acuse de lectura.
 */
export async function acuseDeDocumento(deps: Pick<AppDeps, 'db' | 'clock'>, p: Principal, documentoId: number): Promise<void> {
  if (p.kind !== 'cuenta') return;
  await recordAcuse(deps, p.cuentaId, (qb) => {
    qb.whereIn('id', NotificacionDocumento.query(deps.db).where('documento_id', documentoId).select('notificacion_id'));
  });
}

/** Opens a notification: its data, text and files; the addressee's first opening marks it read. */
export async function openNotification(deps: AppDeps, p: Principal, rawId: string) {
  const { n, addressee } = await visibleNotification(deps, p, rawId);
  if (addressee) await markRead(deps, n);
  const docs = await NotificacionDocumento.query(deps.db)
    .alias('nd')
    .join('documentos as d', 'd.id', 'nd.documento_id')
    .where('nd.notificacion_id', n.id)
    .orderBy('nd.orden')
    .select('d.id', 'd.nombre', 'd.bytes', 'd.mime', 'd.sha256', 'nd.orden')
    .castTo<{ id: number; nombre: string; bytes: number; mime: string; sha256: string; orden: number }[]>();
  return {
    ...item(n),
    detalle: n.detalle ?? '',
    plazo: n.vence ? { descripcion: n.plazo_descripcion, inicio: n.plazo_inicio, vence: formatInstant(new Date(n.vence)) } : null,
    constanciaEmitida: !!n.constancia_sha256,
    documentos: docs.map((d) => ({
      id: d.id,
      rol: d.orden === 0 ? 'PRINCIPAL' : 'ANEXO',
      nombre: d.nombre,
      bytes: Number(d.bytes),
      mime: d.mime,
      sha256: d.sha256,
      url: `/api/v1/casilla/${n.id}/documentos/${d.id}`,
    })),
  };
}

export type NotificacionAbierta = Awaited<ReturnType<typeof openNotification>>;

/** A stored file to send: its storage key, the name it is given and its type. */
export interface Almacenado {
  sha256: string;
  nombre: string;
  mime: string;
}

/** The notification's constancia; the worker prints it right after the deposit, so wait briefly for it. */
export async function constancia(deps: AppDeps, p: Principal, rawId: string): Promise<Almacenado> {
  const { n } = await visibleNotification(deps, p, rawId);
  let sha256 = n.constancia_sha256;
  for (let i = 0; !sha256 && i < 100; i++) {
    await sleep(150);
    sha256 = (await Notificacion.query(deps.db).findById(n.id).select('constancia_sha256'))?.constancia_sha256 ?? null;
  }
  if (!sha256) throw new AppError(503, 'CONSTANCIA_EN_PREPARACION', 'La constancia se está generando. Intente nuevamente en unos segundos.');
  return { sha256, nombre: `constancia-notificacion-${n.expediente}-${n.id}.pdf`, mime: 'application/pdf' };
}

/** A file of the notification: reading it is reading the notification. */
export async function documento(deps: AppDeps, p: Principal, rawId: string, rawDoc: string): Promise<Almacenado> {
  const { n, addressee } = await visibleNotification(deps, p, rawId);
  const docId = /^\d{1,15}$/.test(rawDoc) ? Number(rawDoc) : NaN;
  const d = Number.isSafeInteger(docId)
    ? await NotificacionDocumento.query(deps.db)
        .alias('nd')
        .join('documentos as d', 'd.id', 'nd.documento_id')
        .where({ 'nd.notificacion_id': n.id, 'nd.documento_id': docId })
        .select('d.sha256', 'd.nombre', 'd.mime')
        .first()
        .castTo<Almacenado | undefined>()
    : undefined;
  if (!d) throw notFound('El documento no existe.');
  if (addressee) await markRead(deps, n);
  return { sha256: d.sha256, nombre: d.nombre, mime: d.mime };
}

// Casilla electrónica API (DESIGN.md "API"; Ley 31736); the use cases are in services/casilla/,
// who may call each route in http/route-map/oficina.ts.
//
//   GET /api/v1/casilla                          a page of the citizen's notifications (filters, keyset)
//   GET /api/v1/casilla/no-leidas                the unread count ("check for new")
//   GET /api/v1/casilla/export.xlsx|pdf          the list as shown (also /casilla.xlsx, /casilla.pdf)
//   GET /api/v1/casilla/{id}                     one notification; the addressee's first opening is the acuse
//   GET /api/v1/casilla/{id}/constancia.pdf      its constancia de notificación
//   GET /api/v1/casilla/{id}/documentos/{doc}    one of its files
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import { requireCuenta } from '../http/auth/roles';
import { requirePrincipal } from '../http/routes';
import { sendStored } from '../http/stream-stored';
import { constancia, countUnread, documento, listCasilla, openNotification } from '../services/casilla/casilla';
import { exportarCasilla } from '../services/casilla/exportar';
import { sendAttachment } from './attachment';

export async function getCasilla(ctx: Context, deps: AppDeps) {
  ctx.body = await listCasilla(deps, requireCuenta(ctx), ctx.query);
}

/** "Check for new": a cheap count the page can poll. */
export async function getNoLeidas(ctx: Context, deps: AppDeps) {
  const p = requireCuenta(ctx);
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = { noLeidas: await countUnread(deps, p.cuentaId) };
}

export async function exportCasillaXlsx(ctx: Context, deps: AppDeps) {
  sendAttachment(ctx, await exportarCasilla(deps, requireCuenta(ctx), ctx.query, 'xlsx'));
}

export async function exportCasillaPdf(ctx: Context, deps: AppDeps) {
  sendAttachment(ctx, await exportarCasilla(deps, requireCuenta(ctx), ctx.query, 'pdf'));
}

export async function getNotificacion(ctx: Context, deps: AppDeps) {
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = await openNotification(deps, requirePrincipal(ctx), ctx.params.id);
}

export async function getConstancia(ctx: Context, deps: AppDeps) {
  sendStored(ctx, deps, await constancia(deps, requirePrincipal(ctx), ctx.params.id));
}

export async function getDocumentoNotificacion(ctx: Context, deps: AppDeps) {
  sendStored(ctx, deps, await documento(deps, requirePrincipal(ctx), ctx.params.id, ctx.params.doc));
}

// Staff trays, the supervisor's dashboard and their exports (JSON API, issue #5); the use cases
// are in services/bandejas/, who may call each route in http/route-map/oficina.ts.
//
//   GET /api/v1/bandejas                         the trays the caller may open, in tab order
//   GET /api/v1/bandejas/{bandeja}               one page of a tray: filters + keyset (`despues`, `limite`)
//   GET /api/v1/bandejas/{bandeja}/export.xlsx   the whole filtered tray (≤ 5,000 rows) as Excel
//   GET /api/v1/bandejas/{bandeja}/export.pdf    the same as PDF, A4 landscape (503 without Chromium)
//   GET /api/v1/supervision/tablero              counts by state and office, overdue, por vencer and idle
//                                                cases, attention times per office, receptions and
//                                                attentions per week (services/bandejas/tablero.ts)
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import { requireCuenta } from '../http/auth/roles';
import { bandejaPage, listBandejas } from '../services/bandejas/bandejas';
import { exportarBandeja } from '../services/bandejas/exportar';
import { tablero } from '../services/bandejas/tablero';
import { sendAttachment } from './attachment';

export function getBandejas(ctx: Context) {
  ctx.body = { bandejas: listBandejas(requireCuenta(ctx)) };
}

export async function getBandeja(ctx: Context, deps: AppDeps) {
  ctx.body = await bandejaPage(deps, requireCuenta(ctx), ctx.params.bandeja, ctx.query);
}

export async function exportBandejaXlsx(ctx: Context, deps: AppDeps) {
  sendAttachment(ctx, await exportarBandeja(deps, requireCuenta(ctx), ctx.params.bandeja, ctx.query, 'xlsx'));
}

export async function exportBandejaPdf(ctx: Context, deps: AppDeps) {
  sendAttachment(ctx, await exportarBandeja(deps, requireCuenta(ctx), ctx.params.bandeja, ctx.query, 'pdf'));
}

export async function getTablero(ctx: Context, deps: AppDeps) {
  ctx.body = await tablero(deps, requireCuenta(ctx));
}

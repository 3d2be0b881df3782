// /health and /ready: is the process alive, and are its database, Temporal and (when configured)
// the antivirus reachable.
import type { Context } from 'koa';
import { databaseReachable } from '../lib/db';
import { temporalReachable } from '../lib/temporal';
import { antivirusFor } from '../lib/clamav';
import type { AppDeps } from '../services/deps';

/** How long /ready waits for clamd's PONG (as for Temporal's answer). */
const PING_MS = 2000;

export function health(ctx: Context) {
  ctx.body = { status: 'ok' };
}

export async function ready(ctx: Context, deps: AppDeps) {
  const antivirus = antivirusFor(deps.config);
  const [database, temporalOk, clamd] = await Promise.all([databaseReachable(deps.db), temporalReachable(deps.temporal), antivirus?.ping(PING_MS)]);
  const down = [!database && 'base de datos', !temporalOk && 'Temporal', clamd === false && 'antivirus'].filter(Boolean);
  // Without CLAMAV_URL uploads are not scanned: said here so that it is not a surprise.
  const scanning = clamd === undefined ? 'desactivado' : clamd ? 'ok' : 'no disponible';
  ctx.status = down.length ? 503 : 200;
  ctx.body = down.length
    ? { status: 'no disponible', antivirus: scanning, caidos: down, mensaje: `No disponible: ${down.join(', ')}.` }
    : { status: 'ok', antivirus: scanning };
}

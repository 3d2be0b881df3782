// /health and /ready: is the process alive, and are its database, Temporal and (when configured)
// the antivirus reachable.
import Router from '@koa/router';
import { databaseReachable } from '../lib/db';
import { temporalReachable } from '../lib/temporal';
import { antivirusFor } from '../lib/clamav';
import type { AppDeps } from './app';

/** How long /ready waits for clamd's PONG (as for Temporal's answer). */
const PING_MS = 2000;

export function apiRouter(deps: AppDeps) {
  const { db, temporal } = deps;
  const antivirus = antivirusFor(deps.config);
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const [database, temporalOk, clamd] = await Promise.all([databaseReachable(db), temporalReachable(temporal), antivirus?.ping(PING_MS)]);
    const down = [!database && 'base de datos', !temporalOk && 'Temporal', clamd === false && 'antivirus'].filter(Boolean);
    // Without CLAMAV_URL uploads are not scanned: said here so that it is not a surprise.
    const scanning = clamd === undefined ? 'desactivado' : clamd ? 'ok' : 'no disponible';
    ctx.status = down.length ? 503 : 200;
    ctx.body = down.length
      ? { status: 'no disponible', antivirus: scanning, caidos: down, mensaje: `No disponible: ${down.join(', ')}.` }
      : { status: 'ok', antivirus: scanning };
  });

  return router;
}

// /health and /ready: is the process alive, and are its database and Temporal reachable.
import Router from '@koa/router';
import { databaseReachable } from '../lib/db';
import { temporalReachable } from '../lib/temporal';
import type { AppDeps } from './app';

export function apiRouter(deps: AppDeps) {
  const { db, temporal } = deps;
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const [database, temporalOk] = await Promise.all([databaseReachable(db), temporalReachable(temporal)]);
    const down = [!database && 'base de datos', !temporalOk && 'Temporal'].filter(Boolean);
    ctx.status = down.length ? 503 : 200;
    ctx.body = down.length
      ? { status: 'no disponible', caidos: down, mensaje: `No disponible: ${down.join(', ')}.` }
      : { status: 'ok' };
  });

  return router;
}

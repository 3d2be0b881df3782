// Casilla electrónica API: notifications, acuse de lectura, constancias, exports. Issue #6.
import Router from '@koa/router';
import type { AppDeps } from './app';

export function casillaRouter(_deps: AppDeps) {
  const r = new Router();
  return r;
}

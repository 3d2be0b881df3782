// Staff trays, supervisor dashboard and exports (JSON API). Issue #5.
import Router from '@koa/router';
import type { AppDeps } from './app';

export function bandejasRouter(_deps: AppDeps) {
  const r = new Router();
  return r;
}

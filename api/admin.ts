// Administration API: offices, staff, document types, business hours, non-working days, limits, audit. Issue #5.
import Router from '@koa/router';
import type { AppDeps } from './app';

export function adminRouter(_deps: AppDeps) {
  const r = new Router();
  return r;
}

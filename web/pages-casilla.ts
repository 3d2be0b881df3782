// Casilla electrónica pages (Spanish, server-rendered). Issue #6.
import Router from '@koa/router';
import type { AppDeps } from '../api/app';
import type { Views } from './render';

export function casillaPageRouter(_deps: AppDeps, _views: Views) {
  const r = new Router();
  return r;
}

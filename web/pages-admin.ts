// Administration pages (Spanish, server-rendered). Issue #5.
import Router from '@koa/router';
import type { AppDeps } from '../api/app';
import type { Views } from './render';

export function adminPageRouter(_deps: AppDeps, _views: Views) {
  const r = new Router();
  return r;
}

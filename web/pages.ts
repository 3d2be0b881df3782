// Server-rendered pages (Spanish). They read the same read model the API serves and call the
// same service functions: expediente pages in pages-expedientes.ts, account pages in
// pages-cuentas.ts and pages-segundo-factor.ts.
import Router from '@koa/router';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import { cuentasPageRouter } from './pages-cuentas';
import { expedientesPageRouter } from './pages-expedientes';
import { bandejasPageRouter } from './pages-bandejas';
import { adminPageRouter } from './pages-admin';
import { casillaPageRouter } from './pages-casilla';
import { segundoFactorPageRouter } from './pages-segundo-factor';

export function pageRouter(deps: AppDeps, views: Views) {
  const router = new Router();
  const expedientes = expedientesPageRouter(deps, views);
  router.use(expedientes.routes(), expedientes.allowedMethods());
  const cuentas = cuentasPageRouter(deps, views);
  router.use(cuentas.routes(), cuentas.allowedMethods());
  const segundoFactor = segundoFactorPageRouter(deps, views);
  router.use(segundoFactor.routes(), segundoFactor.allowedMethods());
  for (const sub of [bandejasPageRouter(deps, views), adminPageRouter(deps, views), casillaPageRouter(deps, views)]) {
    router.use(sub.routes(), sub.allowedMethods());
  }
  return router;
}

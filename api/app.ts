// The Koa application: one error middleware on top, body parsing with limits, the JSON API and
// the server-rendered pages. Built from injected dependencies so tests run it in-process.
import Koa from 'koa';
import { koaBody } from 'koa-body';
import serve from 'koa-static';
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import type { Clock } from '../lib/clock';
import type { IdentityRegistry } from '../lib/identity-registry';
import type { Storage } from '../lib/storage';
import type { BusinessCalendar } from '../lib/business-calendar';
import type { PdfRenderer } from '../lib/pdf';
import { expedientesRouter } from './routes-expedientes';
import { calendarioAdminRouter } from './calendario-admin';
import { bandejasRouter } from './bandejas';
import { adminRouter } from './admin';
import { casillaRouter } from './casilla';
import { authenticate } from './auth/session';
import { enrolmentGate } from './auth/enrolment-gate';
import { csrfProtection } from './auth/csrf';
import { cuentasRouter } from './routes-cuentas';
import { errorHandler } from './errors';
import { securityHeaders } from './security-headers';
import { clientAddress } from './client-address';
import { apiRouter } from './routes';
import { createViews, staticDir } from '../web/render';
import { pageRouter } from '../web/pages';
import { unreadBadge } from '../web/pages-casilla';
import type { WorkflowStarter } from './starter';

export interface AppDeps {
  db: Knex;
  temporal: Client;
  config: Config;
  clock: Clock;
  identity: IdentityRegistry;
  storage: Storage;
  calendar: BusinessCalendar;
  /** Starts the filings' workflows (api/starter.ts). */
  starter: WorkflowStarter;
  /** Prints PDF exports; Chromium starts at the first export. Absent: PDF exports answer 503. */
  pdf?: PdfRenderer;
}

export function createApp(deps: AppDeps) {
  const app = new Koa();
  // Forwarded headers are believed only from the configured proxies (api/client-address.ts).
  app.proxy = false;
  app.use(clientAddress(deps.config.trustedProxies));
  const views = createViews(deps.config);
  app.use(securityHeaders(deps.config));
  app.use(errorHandler(views.render));
  app.use(serve(staticDir, { maxage: 3600_000 }));
  app.use(
    koaBody({
      jsonLimit: deps.config.limits.jsonBytes,
      formLimit: deps.config.limits.jsonBytes,
      textLimit: deps.config.limits.jsonBytes,
      // Multipart is streamed by api/uploads.ts, never buffered here.
      multipart: false,
    }),
  );
  app.use(authenticate(deps));
  app.use(enrolmentGate);
  app.use(csrfProtection);
  app.use(unreadBadge(deps));
  const api = apiRouter(deps);
  const cuentas = cuentasRouter(deps);
  const expedientes = expedientesRouter(deps);
  const pages = pageRouter(deps, views);
  app.use(api.routes()).use(api.allowedMethods());
  app.use(cuentas.routes()).use(cuentas.allowedMethods());
  app.use(expedientes.routes()).use(expedientes.allowedMethods());
  const calendario = calendarioAdminRouter(deps);
  app.use(calendario.routes()).use(calendario.allowedMethods());
  for (const router of [bandejasRouter(deps), adminRouter(deps), casillaRouter(deps)]) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  app.use(pages.routes()).use(pages.allowedMethods());
  return app;
}

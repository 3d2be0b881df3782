// The Koa application: one error middleware on top, body parsing with limits, the JSON API and
// the server-rendered pages. Built from injected dependencies so tests run it in-process.
import Koa from 'koa';
import { koaBody } from 'koa-body';
import serve from 'koa-static';
import { authenticate } from './auth/session';
import { enrolmentGate } from './auth/enrolment-gate';
import { csrfProtection } from './auth/csrf';
import { errorHandler } from './errors';
import { securityHeaders } from './security-headers';
import { clientAddress } from './client-address';
import { mountRoutes } from './routes';
import { ROUTES } from './route-map';
import { staticDir, viewsFor } from '../web/render';
import { unreadBadge } from '../web/casilla';
import type { AppDeps } from '../services/deps';

export function createApp(deps: AppDeps) {
  const app = new Koa();
  // Forwarded headers are believed only from the configured proxies (http/client-address.ts).
  app.proxy = false;
  app.use(clientAddress(deps.config.trustedProxies));
  const views = viewsFor(deps.config);
  app.use(securityHeaders(deps.config));
  app.use(errorHandler(views.render, { logRequests: deps.config.http.logRequests }));
  app.use(serve(staticDir, { maxage: 3600_000 }));
  app.use(
    koaBody({
      jsonLimit: deps.config.limits.jsonBytes,
      formLimit: deps.config.limits.jsonBytes,
      textLimit: deps.config.limits.jsonBytes,
      // Multipart is streamed by http/uploads.ts, never buffered here.
      multipart: false,
    }),
  );
  app.use(authenticate(deps));
  app.use(enrolmentGate);
  app.use(csrfProtection);
  app.use(unreadBadge(deps));
  const routes = mountRoutes(ROUTES, deps);
  app.use(routes.routes()).use(routes.allowedMethods());
  return app;
}

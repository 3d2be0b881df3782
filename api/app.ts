// The Koa application: one error middleware on top, body parsing with limits, the JSON API and
// the server-rendered pages. Built from injected dependencies so tests run it in-process.
import Koa from 'koa';
import { koaBody } from 'koa-body';
import serve from 'koa-static';
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import { errorHandler } from './errors';
import { apiRouter } from './routes';
import { createViews, staticDir } from '../web/render';
import { pageRouter } from '../web/pages';

export interface AppDeps {
  db: Knex;
  temporal: Client;
  config: Config;
}

export function createApp(deps: AppDeps) {
  const app = new Koa();
  app.proxy = true;
  const views = createViews(deps.config);
  app.use(errorHandler(views.render));
  app.use(serve(staticDir, { maxage: 3600_000 }));
  app.use(
    koaBody({
      jsonLimit: deps.config.limits.jsonBytes,
      formLimit: deps.config.limits.jsonBytes,
      textLimit: deps.config.limits.jsonBytes,
      multipart: false,
    }),
  );
  const api = apiRouter(deps);
  const pages = pageRouter(deps, views);
  app.use(api.routes()).use(api.allowedMethods());
  app.use(pages.routes()).use(pages.allowedMethods());
  return app;
}

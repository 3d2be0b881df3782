// Server-rendered pages (Spanish). They read the same read model the API serves.
import Router from '@koa/router';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import { loadExpediente } from '../api/routes';

export function pageRouter(deps: AppDeps, views: Views) {
  const router = new Router();

  router.get('/', async (ctx) => {
    const expedientes = await deps.db('expedientes')
      .select('numero', 'estado', 'tipo_documento', 'asunto', 'unidad', 'presentado_en', 'workflow_id')
      .orderBy('id', 'desc')
      .limit(50);
    views.render(ctx, 'home', { titulo: 'Mesa de Partes Virtual', expedientes });
  });

  router.get('/expedientes/:numero', async (ctx) => {
    const expediente = await loadExpediente(deps, ctx.params.numero);
    views.render(ctx, 'expediente', { titulo: `Expediente ${expediente.numero}`, expediente });
  });

  return router;
}

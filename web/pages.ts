// Server-rendered pages (Spanish). They read the same read model the API serves.
import Router from '@koa/router';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import { expedienteDetail, visibleExpediente } from '../api/routes-expedientes';
import { principal } from '../api/auth/session';
import { cuentasPageRouter, pageUser } from './pages-cuentas';

export function pageRouter(deps: AppDeps, views: Views) {
  const router = new Router();

  router.get('/', async (ctx) => {
    const p = principal(ctx);
    if (p?.kind !== 'cuenta') {
      return views.render(ctx, 'inicio', { titulo: 'Mesa de Partes Virtual' });
    }
    if (p.rol === 'ciudadano') {
      const expedientes = await deps.db('expedientes')
        .where({ cuenta_id: p.cuentaId })
        .select('numero', 'estado', 'tipo_documento', 'asunto', 'presentado_en')
        .orderBy('id', 'desc')
        .limit(200);
      return views.render(ctx, 'mis-tramites', { titulo: 'Mis trámites', expedientes });
    }
    const expedientes = await deps.db('expedientes')
      .select('numero', 'estado', 'tipo_documento', 'asunto', 'unidad', 'presentado_en', 'workflow_id')
      .orderBy('id', 'desc')
      .limit(50);
    views.render(ctx, 'home', { titulo: 'Expedientes', expedientes });
  });

  // Staff, or the citizen who filed it; anyone else gets 404 (visibleExpediente decides).
  router.get('/expedientes/:numero', async (ctx) => {
    if (!pageUser(ctx)) return;
    const expediente = await expedienteDetail(deps, await visibleExpediente(ctx, deps, ctx.params.numero));
    views.render(ctx, 'expediente', { titulo: `Expediente ${expediente.numero}`, expediente });
  });

  const cuentas = cuentasPageRouter(deps, views);
  router.use(cuentas.routes(), cuentas.allowedMethods());

  return router;
}

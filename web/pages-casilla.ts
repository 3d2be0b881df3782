// Casilla electrónica pages (Spanish, server-rendered), after the MIMP manual: the tabs "Pendientes
// por leer" and "Leídos" with filters, "Verificar nuevas notificaciones" and the Excel / PDF export
// buttons; a notification opened (which records the acuse de lectura) with its files and its
// constancia. Every rule lives in api/casilla.ts, the functions the JSON API calls.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import { principal } from '../api/auth/session';
import { casillaOptions, countUnread, listCasilla, openNotification } from '../api/casilla';
import { attempt, failed, pageUser, problem, type Body } from './pages-cuentas';
import { fechaHora } from './render';

const FILTROS = ['anio', 'asunto', 'unidad', 'tipo', 'desde', 'hasta'] as const;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * The unread badge in every page's header (web/render.ts usuarioDe): one indexed count for a
 * citizen's page views; API calls and staff pay nothing.
 */
export function unreadBadge(deps: AppDeps) {
  return async (ctx: Context, next: Next) => {
    const p = principal(ctx);
    if (ctx.method === 'GET' && !ctx.path.startsWith('/api/') && p?.kind === 'cuenta' && p.rol === 'ciudadano') {
      ctx.state.casillaNoLeidas = await countUnread(deps, p.cuentaId);
    }
    await next();
  };
}

export function casillaPageRouter(deps: AppDeps, views: Views) {
  const r = new Router();

  async function casillaPage(ctx: Context) {
    const p = pageUser(ctx, 'ciudadano');
    if (!p) return;
    const leidos = ctx.query.bandeja === 'leidos';
    const filtros: Record<string, string> = {};
    for (const k of FILTROS) {
      const v = str(ctx.query[k])?.trim();
      if (v) filtros[k] = v;
    }
    const despues = str(ctx.query.despues)?.trim();
    const tab = { ...(leidos ? { bandeja: 'leidos' } : {}), ...filtros };
    const consulta = { ...filtros, leida: leidos ? 'true' : 'false' };
    const [res, opciones] = await Promise.all([attempt(() => listCasilla(ctx, deps, { ...consulta, ...(despues ? { despues } : {}) })), casillaOptions(deps, p.cuentaId)]);
    let data: Body;
    if (res.ok) {
      const { notificaciones, siguiente, noLeidas } = res.value;
      ctx.state.casillaNoLeidas = noLeidas;
      data = {
        notificaciones,
        noLeidas,
        siguienteUrl: siguiente ? `/casilla?${new URLSearchParams({ ...tab, despues: String(siguiente) })}` : undefined,
        primeraUrl: despues ? `/casilla?${new URLSearchParams(tab)}` : undefined,
      };
    } else {
      failed(ctx, res.err);
      data = { notificaciones: [], noLeidas: ctx.state.casillaNoLeidas, ...problem(res.err) };
    }
    const verificado = ctx.query.verificar === '1' && res.ok;
    const n = res.ok ? res.value.noLeidas : 0;
    const exportar = new URLSearchParams(consulta);
    views.render(ctx, 'casilla', {
      titulo: 'Casilla electrónica',
      leidos,
      filtros,
      filtrado: Object.keys(filtros).length > 0 || !!despues,
      opciones: { ...opciones, anios: opciones.anios.map(String) },
      excelUrl: `/api/v1/casilla/export.xlsx?${exportar}`,
      pdfUrl: `/api/v1/casilla/export.pdf?${exportar}`,
      limpiarUrl: leidos ? '/casilla?bandeja=leidos' : '/casilla',
      aviso: verificado
        ? `Casilla verificada el ${fechaHora(deps.clock.now())}: ${n === 0 ? 'no tiene notificaciones pendientes por leer' : n === 1 ? 'tiene 1 notificación pendiente por leer' : `tiene ${n} notificaciones pendientes por leer`}.`
        : undefined,
      ...data,
    });
  }

  r.get('/casilla', casillaPage);

  // Opening a notification is reading it: the first opening by its addressee is recorded.
  r.get('/casilla/:id', async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    const n = await openNotification(ctx, deps, ctx.params.id);
    const esCiudadano = p.rol === 'ciudadano';
    if (esCiudadano) ctx.state.casillaNoLeidas = await countUnread(deps, p.cuentaId);
    views.render(ctx, 'casilla-notificacion', {
      titulo: `${n.tipo} ${n.numero}`,
      n,
      esCiudadano,
    });
  });

  return r;
}

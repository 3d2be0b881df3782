// Casilla electrónica pages (Spanish, server-rendered), after the MIMP manual: the tabs "Pendientes
// por leer" and "Leídos" with filters, "Verificar nuevas notificaciones" and the Excel / PDF export
// buttons; a notification opened (which records the acuse de lectura) with its files and its
// constancia. The rules are services/casilla/, which the JSON API calls too.
import type { Context, Next } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { principal } from '../http/auth/session';
import { requireCuenta } from '../http/auth/roles';
import { casillaOptions, countUnread, listCasilla, openNotification } from '../services/casilla/casilla';
import { attempt, failed, problem, str, type Body } from './forms';
import { fechaHora } from '../domain/formats';
import { ESTADO_LABEL } from '../domain/lifecycle';
import { plazoEscrito } from '../domain/plazos-visibles';
import { plazoDeNotificacion } from '../services/expedientes/consultas';
import { subsanarUrl } from './expedientes';

const FILTROS = ['anio', 'asunto', 'unidad', 'tipo', 'desde', 'hasta'] as const;

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

const verificada = (deps: AppDeps, n: number) =>
  `Casilla verificada el ${fechaHora(deps.clock.now())}: ${n === 0 ? 'no tiene notificaciones pendientes por leer' : n === 1 ? 'tiene 1 notificación pendiente por leer' : `tiene ${n} notificaciones pendientes por leer`}.`;

/** GET /casilla: one tab ("Pendientes por leer" or `?bandeja=leidos`), filtered, by pages. */
export async function casillaPagina(ctx: Context, deps: AppDeps, views: Views) {
  const p = requireCuenta(ctx);
  const leidos = ctx.query.bandeja === 'leidos';
  const filtros: Record<string, string> = {};
  for (const k of FILTROS) {
    const v = str(ctx.query[k])?.trim();
    if (v) filtros[k] = v;
  }
  const despues = str(ctx.query.despues)?.trim();
  const tab = { ...(leidos ? { bandeja: 'leidos' } : {}), ...filtros };
  const consulta = { ...filtros, leida: leidos ? 'true' : 'false' };
  const [res, opciones] = await Promise.all([attempt(() => listCasilla(deps, p, { ...consulta, ...(despues ? { despues } : {}) })), casillaOptions(deps, p.cuentaId)]);
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
    data = { notificaciones: [], noLeidas: (ctx.state as { casillaNoLeidas?: number }).casillaNoLeidas, ...problem(res.err) };
  }
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
    aviso: ctx.query.verificar === '1' && res.ok ? verificada(deps, res.value.noLeidas) : undefined,
    ...data,
  });
}

/** GET /casilla/{id}: opening a notification is reading it; the addressee's first opening is recorded. */
export async function notificacionPagina(ctx: Context, deps: AppDeps, views: Views) {
  const p = requireCuenta(ctx);
  const n = await openNotification(deps, p, ctx.params.id);
  const esCiudadano = p.rol === 'ciudadano';
  if (esCiudadano) ctx.state.casillaNoLeidas = await countUnread(deps, p.cuentaId);
  // The observation's plazo and its «Subsanar» button while the case still waits on it; after, neither.
  const { estado, plazo } = await plazoDeNotificacion(deps, p, n);
  views.render(ctx, 'casilla-notificacion', {
    titulo: `${n.tipo} ${n.numero}`,
    n,
    esCiudadano,
    plazo: plazo ? { ...plazo, texto: plazoEscrito(plazo), inicio: n.plazo?.inicio } : null,
    plazoTerminado: n.plazo && !plazo ? `El plazo de esta notificación ya no corre: el expediente está ${ESTADO_LABEL[estado]}.` : null,
    subsanarUrl: plazo && esCiudadano ? subsanarUrl(n.expediente) : null,
  });
}

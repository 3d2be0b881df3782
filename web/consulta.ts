// The public pages, no login: a case's status by number and tracking password, and what a
// verification code certifies. Routes in http/route-map/expedientes.ts.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { nombres } from '../services/expedientes/catalogos';
import { consultaPublica } from '../services/expedientes/consulta-publica';
import { verificar } from '../services/expedientes/verificacion';
import { normalizeNumeroExpediente } from '../domain/formats';
import { attempt, failed, formOf, problem, str, type Body } from './forms';

const consultaPage = (ctx: Context, views: Views, data: Body) => views.render(ctx, 'consulta', { titulo: 'Consultar expediente', valores: {}, errores: {}, ...data });

export function consultaForm(ctx: Context, _deps: AppDeps, views: Views) {
  const numero = str(ctx.query.numero);
  consultaPage(ctx, views, { valores: { numero: (numero && normalizeNumeroExpediente(numero)) ?? '' } });
}

// POST, not GET: the tracking password never goes into a URL (history, logs, Referer).
export async function consulta(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => consultaPublica(deps, ctx.ip, { numero: body.numero, clave: body.clave }));
  const valores = { numero: res.ok ? res.value.numero : (str(body.numero) ?? '') };
  if (!res.ok) {
    failed(ctx, res.err);
    return consultaPage(ctx, views, { valores, ...problem(res.err) });
  }
  const unidadNombre = await nombres(deps, 'unidades');
  const e = res.value;
  consultaPage(ctx, views, {
    valores,
    resultado: { ...e, seguimiento: e.seguimiento.map((s) => ({ ...s, unidadNombre: s.unidad ? (unidadNombre.get(s.unidad) ?? s.unidad) : 'Mesa de Partes' })) },
  });
}

const NOMBRE_POR_TIPO: Record<string, string> = { CARGO: 'Cargo de recepción', CONSTANCIA: 'Constancia de notificación electrónica' };

async function verificacionPage(ctx: Context, deps: AppDeps, views: Views, raw: string | undefined) {
  const typed = (raw ?? '').trim();
  const titulo = 'Verificar un documento';
  if (!typed) {
    if (raw === undefined) return views.render(ctx, 'verificacion', { titulo, valores: {} });
    ctx.status = 400;
    const falta = 'Ingrese el código de verificación.';
    return views.render(ctx, 'verificacion', { titulo, valores: {}, alerta: falta, alertaCampo: 'f-codigo', errores: { codigo: falta } });
  }
  // The service reads the code as people paste it (any case, spaces, dashes); the page shows it as printed.
  const v = await verificar(deps, typed);
  if (!v) {
    ctx.status = 404;
    return views.render(ctx, 'verificacion', { titulo, valores: { codigo: typed.toUpperCase() }, alerta: 'No existe un documento con ese código.', noExiste: true });
  }
  const codigo = v.codigo;
  views.render(ctx, 'verificacion', {
    titulo: `Verificación ${codigo}`,
    valores: { codigo },
    documento: {
      codigo,
      nombre: v.documento ?? NOMBRE_POR_TIPO[v.tipo] ?? v.tipo,
      expediente: v.expediente,
      asunto: v.asunto,
      fechaPresentacion: v.fechaPresentacion,
      emitidoEn: v.emitidoEn,
      sha256: v.sha256,
      firma: v.firma,
      notificacion: v.notificacion,
    },
  });
}

export const verificacionForm = (ctx: Context, deps: AppDeps, views: Views) => verificacionPage(ctx, deps, views, str(ctx.query.codigo));
export const verificacion = (ctx: Context, deps: AppDeps, views: Views) => verificacionPage(ctx, deps, views, ctx.params.codigo);

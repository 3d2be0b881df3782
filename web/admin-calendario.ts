// The non-working days page (admin): one year at a time (`?anio=2027`, this year by default): the
// national holidays the calendar already knows beside the days the admin registered, each marked
// for what it is, a button to remove a registered one and the form to add one; the notice after a
// change says how many running cases had their plazo recomputed.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { requireCuenta } from '../http/auth/roles';
import { ANIO_MAX, ANIO_MIN, addDiaNoLaborable, calendarioDelAnio, removeDiaNoLaborable } from '../services/admin/calendario';
import { isValidDay, limaDay } from '../domain/calendar';
import { attempt, failed, formOf, keep, problem, seeOther, str, type Body } from './forms';

/** The year to show: the one asked for, else the year of the day just changed or typed, else this one. */
function anioDe(ctx: Context, deps: AppDeps, dia?: unknown): string {
  const pedido = str(ctx.query.anio)?.trim();
  if (pedido !== undefined && pedido !== '') return pedido;
  for (const d of [dia, str(ctx.query.agregado), str(ctx.query.eliminado)]) if (typeof d === 'string' && isValidDay(d)) return d.slice(0, 4);
  return limaDay(deps.clock.now()).slice(0, 4);
}

async function calendarioPage(ctx: Context, deps: AppDeps, views: Views, anioPedido: string, data: Body) {
  const hoy = limaDay(deps.clock.now());
  let res = await attempt(() => calendarioDelAnio(deps, anioPedido));
  let extra: Body = {};
  if (!res.ok) {
    // A year that is not one: this year's page, with the message beside the selector.
    failed(ctx, res.err);
    extra = { ...problem(res.err), valorAnio: anioPedido };
    res = await attempt(() => calendarioDelAnio(deps, hoy.slice(0, 4)));
    if (!res.ok) throw res.err;
  }
  const { anio, dias, nacionales, registrados } = res.value;
  views.render(ctx, 'admin-calendario', {
    titulo: `Días no laborables ${anio}`,
    anio,
    valorAnio: String(anio),
    anterior: anio > ANIO_MIN ? anio - 1 : undefined,
    siguiente: anio < ANIO_MAX ? anio + 1 : undefined,
    anioMin: ANIO_MIN,
    anioMax: ANIO_MAX,
    dias: dias.map((d) => ({ ...d, nacional: d.tipo === 'NACIONAL', pasado: d.fecha < hoy })),
    nacionales,
    registrados,
    valores: {},
    errores: {},
    ...data,
    ...extra,
  });
}

/** The notice after a change: `?agregado=` or `?eliminado=` a day, `&recalculados=` n or `pendiente`. */
function avisoDe(ctx: Context): string | undefined {
  const agregado = str(ctx.query.agregado);
  const eliminado = str(ctx.query.eliminado);
  const n = Number(ctx.query.recalculados);
  const recalculados =
    ctx.query.recalculados === 'pendiente'
      ? ' Los plazos de los expedientes en curso se recalcularán en cuanto el sistema de trámites esté disponible.'
      : Number.isSafeInteger(n) && n >= 0
        ? ` Se recalcularon los plazos de ${n === 1 ? '1 expediente en curso' : `${n} expedientes en curso`}.`
        : '';
  if (agregado && isValidDay(agregado)) return `Se registró el ${agregado} como día no laborable.${recalculados}`;
  if (eliminado && isValidDay(eliminado)) return `Se quitó el ${eliminado} de los días no laborables.${recalculados}`;
  return undefined;
}

export async function calendarioPagina(ctx: Context, deps: AppDeps, views: Views) {
  const aviso = avisoDe(ctx);
  await calendarioPage(ctx, deps, views, anioDe(ctx, deps), aviso ? { aviso } : {});
}

const hecho = (r: { fecha: string; expedientesRecalculados: number | null }) => `${r.fecha}&recalculados=${r.expedientesRecalculados ?? 'pendiente'}`;

export async function agregarDia(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => addDiaNoLaborable(deps, requireCuenta(ctx), { fecha: body.fecha, descripcion: body.descripcion }));
  if (res.ok) return seeOther(ctx, `/admin/calendario?agregado=${hecho(res.value)}`);
  failed(ctx, res.err);
  await calendarioPage(ctx, deps, views, anioDe(ctx, deps, body.fecha), { valores: keep(body), ...problem(res.err) });
}

export async function eliminarDia(ctx: Context, deps: AppDeps, views: Views) {
  const res = await attempt(() => removeDiaNoLaborable(deps, requireCuenta(ctx), ctx.params.fecha));
  if (res.ok) return seeOther(ctx, `/admin/calendario?eliminado=${hecho(res.value)}`);
  failed(ctx, res.err);
  await calendarioPage(ctx, deps, views, anioDe(ctx, deps, ctx.params.fecha), { alerta: res.err.message });
}

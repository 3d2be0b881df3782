// The non-working days page (admin): upcoming and past days, the form to add one and a button to
// remove each; the notice after a change says how many running cases had their plazo recomputed.
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { requireCuenta } from '../http/auth/roles';
import { addDiaNoLaborable, listDiasNoLaborables, removeDiaNoLaborable } from '../services/admin/calendario';
import { isValidDay, limaDay } from '../domain/calendar';
import { attempt, failed, formOf, keep, problem, seeOther, str, type Body } from './forms';

async function calendarioPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  const hoy = limaDay(deps.clock.now());
  const dias = await listDiasNoLaborables(deps);
  views.render(ctx, 'admin-calendario', {
    titulo: 'Días no laborables',
    proximos: dias.filter((d) => d.fecha >= hoy),
    pasados: dias.filter((d) => d.fecha < hoy).reverse(),
    valores: {},
    ...data,
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
  await calendarioPage(ctx, deps, views, aviso ? { aviso } : {});
}

const hecho = (r: { fecha: string; expedientesRecalculados: number | null }) => `${r.fecha}&recalculados=${r.expedientesRecalculados ?? 'pendiente'}`;

export async function agregarDia(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => addDiaNoLaborable(deps, requireCuenta(ctx), { fecha: body.fecha, descripcion: body.descripcion }));
  if (res.ok) return seeOther(ctx, `/admin/calendario?agregado=${hecho(res.value)}`);
  failed(ctx, res.err);
  await calendarioPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

export async function eliminarDia(ctx: Context, deps: AppDeps, views: Views) {
  const res = await attempt(() => removeDiaNoLaborable(deps, requireCuenta(ctx), ctx.params.fecha));
  if (res.ok) return seeOther(ctx, `/admin/calendario?eliminado=${hecho(res.value)}`);
  failed(ctx, res.err);
  await calendarioPage(ctx, deps, views, { alerta: res.err.message });
}

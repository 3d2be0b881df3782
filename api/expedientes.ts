// JSON API for expedientes (DESIGN.md "API"): filing, actions, lists, detail, cargo, files, public
// consulta, catalogues, calendar and verification. Each handler reads the request, calls its use
// case in services/expedientes/ and answers; who may call it is in http/route-map/expedientes.ts.
import type { Context } from 'koa';
import { z } from 'zod';
import type { TipoEscrito } from '../domain/escritos';
import { isAccion } from '../domain/lifecycle';
import type { AppDeps } from '../services/deps';
import { notFound } from '../services/errors';
import { runAction } from '../services/expedientes/acciones';
import { cargoDe, documentoDe } from '../services/expedientes/archivos';
import { catalogos } from '../services/expedientes/catalogos';
import { consultaPublica } from '../services/expedientes/consulta-publica';
import { escritosVistos } from '../services/expedientes/cargos';
import { expedienteDetail, listExpedientes, visibleExpediente } from '../services/expedientes/consultas';
import { cargoDeEscrito, presentarEscrito } from '../services/expedientes/escritos';
import { presentarExpediente } from '../services/expedientes/presentar';
import { verificar } from '../services/expedientes/verificacion';
import { plazoDesde, presentacionEn } from '../services/calendario';
import { requirePrincipal } from '../http/routes';
import { sendStored } from '../http/stream-stored';
import { optionalUpload, uploadReader } from '../http/uploads';
import { bodyOf } from '../http/validation';
import { parse } from '../services/validation';

export async function presentar(ctx: Context, deps: AppDeps) {
  const idempotencyKey = ctx.get('Idempotency-Key');
  ctx.body = await presentarExpediente(deps, requirePrincipal(ctx), { idempotencyKey, readUpload: uploadReader(ctx, deps) });
  ctx.status = 201;
}

export async function listar(ctx: Context, deps: AppDeps) {
  ctx.body = await listExpedientes(deps, requirePrincipal(ctx), ctx.query);
}

export async function detalle(ctx: Context, deps: AppDeps) {
  const p = requirePrincipal(ctx);
  const row = await visibleExpediente(deps, p, ctx.params.numero);
  ctx.body = await expedienteDetail(deps, row, p);
  await escritosVistos(deps, p, row);
}

// An escrito to an existing case (issue #14): multipart `asunto`, `contenido`, `principal`, `anexos`.
export async function escrito(ctx: Context, deps: AppDeps) {
  const idempotencyKey = ctx.get('Idempotency-Key');
  ctx.body = await presentarEscrito(deps, requirePrincipal(ctx), { numero: ctx.params.numero, idempotencyKey, readUpload: uploadReader(ctx, deps) });
  ctx.status = 201;
}

/** The cargo of a subsanación or an escrito: /expedientes/{numero}/{subsanaciones|escritos}/{n}/cargo.pdf. */
export const cargoEscrito = (tipo: TipoEscrito) => async (ctx: Context, deps: AppDeps) => {
  sendStored(ctx, deps, await cargoDeEscrito(deps, requirePrincipal(ctx), ctx.params.numero, tipo, ctx.params.n));
};

export async function cargo(ctx: Context, deps: AppDeps) {
  sendStored(ctx, deps, await cargoDe(deps, requirePrincipal(ctx), ctx.params.numero));
}

export async function documento(ctx: Context, deps: AppDeps) {
  sendStored(ctx, deps, await documentoDe(deps, requirePrincipal(ctx), ctx.params.id));
}

export async function accion(ctx: Context, deps: AppDeps) {
  const { numero, accion } = ctx.params;
  if (!isAccion(accion)) throw notFound('Acción desconocida.');
  const body = (bodyOf(ctx) as Record<string, unknown> | undefined) ?? {};
  ctx.body = await runAction(deps, requirePrincipal(ctx), { numero, accion, body, readUpload: optionalUpload(ctx, deps) });
}

// Public status by number and tracking password, no login; throttled per IP.
export async function consulta(ctx: Context, deps: AppDeps) {
  ctx.body = await consultaPublica(deps, ctx.ip, ctx.query);
}

export async function catalogo(ctx: Context, deps: AppDeps) {
  ctx.body = await catalogos(deps);
}

const instant = (label: string) =>
  z.string({ error: `Indique ${label} (fecha y hora ISO 8601).` }).refine((v) => !Number.isNaN(Date.parse(v)) && /T/.test(v), `${label} debe ser una fecha y hora ISO 8601, p. ej. 2026-12-04T10:00:00-05:00.`);
const presentacionQuery = z.object({ en: instant('«en»') });
const plazoQuery = z.object({
  desde: instant('«desde»'),
  dias: z.coerce.number({ error: 'Indique los días hábiles.' }).int('Los días deben ser un número entero.').min(1, 'Los días deben ser al menos 1.').max(3650),
});

export async function calendarioPresentacion(ctx: Context, deps: AppDeps) {
  const { en } = parse(presentacionQuery, ctx.query);
  ctx.body = await presentacionEn(deps, new Date(en));
}

export async function calendarioPlazo(ctx: Context, deps: AppDeps) {
  const q = parse(plazoQuery, ctx.query);
  ctx.body = await plazoDesde(deps, new Date(q.desde), q.dias);
}

export async function verificacion(ctx: Context, deps: AppDeps) {
  const v = await verificar(deps, ctx.params.codigo);
  if (!v) throw notFound('No existe un documento con ese código de verificación.');
  ctx.body = {
    codigo: v.codigo,
    tipo: v.tipo,
    documento: v.documento ?? v.tipo,
    expediente: v.expediente,
    asunto: v.asunto,
    emitidoEn: v.emitidoEn,
    sha256: v.sha256,
    firma: v.firma,
    ...(v.notificacion ? { notificacion: v.notificacion } : {}),
  };
}

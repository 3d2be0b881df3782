// JSON API under /api/v1 (DESIGN.md "API"), plus /health and /ready.
import Router from '@koa/router';
import { z } from 'zod';
import { databaseReachable } from '../lib/db';
import { temporalReachable } from '../lib/temporal';
import type { Context } from 'koa';
import { isAccion, refusal, type Accion } from '../domain/lifecycle';
import { requireFiler, requireRole } from './auth/roles';
import { STAFF_ROLES, principal, type Rol } from './auth/session';
import { atenderUpdate, derivarUpdate, workflowIdFor, type Actor } from '../workflows/definitions';
import { HttpError, badRequest, conflict, notFound } from './errors';
import { bodyOf, parse, text } from './validation';
import { ensureWorkflow, fileExpediente } from './expedientes';
import type { AppDeps } from './app';

const NUMERO = /^\d{5}-\d{4}$/;

const filingSchema = z.object({
  tipoDocumento: text('el tipo de documento', 1, 60),
  asunto: text('el asunto', 3, 500),
  // Systems say who sends; a person's account is the sender.
  remitente: text('el remitente', 3, 200).optional(),
});

/** Who may act on an expediente, by role (the workflow re-checks the state). */
const ROLES_FOR: Record<Accion, Rol[]> = {
  derivar: ['mesa_partes', 'unidad', 'supervisor'],
  atender: ['unidad', 'supervisor'],
};

/** The case as its filer or staff may see it; anyone else gets 404, as if it did not exist. */
export async function visibleExpediente(ctx: Context, deps: AppDeps, numero: string) {
  const p = principal(ctx);
  if (!p) throw new HttpError(401, 'NO_AUTENTICADO', 'Inicie sesión para continuar.');
  if (!NUMERO.test(numero)) throw notFound('El expediente no existe.');
  const row = await deps.db('expedientes').where({ numero }).first();
  const allowed =
    row &&
    (p.kind === 'sistema'
      ? row.api_token_id === p.tokenId
      : p.rol === 'ciudadano'
        ? row.cuenta_id === p.cuentaId
        : STAFF_ROLES.includes(p.rol));
  if (!allowed) throw notFound('El expediente no existe.');
  return row;
}
const derivarSchema = z.object({
  unidad: text('la unidad de destino', 1, 20),
  proveido: text('el proveído', 3, 2000),
});
const atenderSchema = z.object({ comentario: text('el comentario', 3, 4000) });

export async function loadExpediente(ctx: Context, deps: AppDeps, numero: string) {
  const row = await visibleExpediente(ctx, deps, numero);
  const historial = await deps.db('historial').where({ expediente_id: row.id }).orderBy('secuencia');
  return {
    numero: row.numero,
    estado: row.estado,
    tipoDocumento: row.tipo_documento,
    asunto: row.asunto,
    remitente: row.remitente,
    unidad: row.unidad,
    presentadoEn: row.presentado_en,
    seguimiento: historial.map((h) => ({
      secuencia: h.secuencia,
      accion: h.accion,
      estadoAnterior: h.estado_anterior,
      estadoNuevo: h.estado_nuevo,
      actor: h.actor,
      unidad: h.unidad,
      nota: h.nota,
      ocurridoEn: h.ocurrido_en,
    })),
  };
}

export function apiRouter(deps: AppDeps) {
  const { db, temporal, config } = deps;
  const router = new Router();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/ready', async (ctx) => {
    const [database, temporalOk] = await Promise.all([databaseReachable(db), temporalReachable(temporal)]);
    const down = [!database && 'base de datos', !temporalOk && 'Temporal'].filter(Boolean);
    ctx.status = down.length ? 503 : 200;
    ctx.body = down.length
      ? { status: 'no disponible', caidos: down, mensaje: `No disponible: ${down.join(', ')}.` }
      : { status: 'ok' };
  });

  const v1 = new Router({ prefix: '/api/v1' });

  v1.post('/expedientes', async (ctx) => {
    const p = requireFiler(ctx);
    const input = parse(filingSchema, bodyOf(ctx));
    const key = ctx.get('Idempotency-Key') || undefined;
    if (key && key.length > 200) throw badRequest('La cabecera Idempotency-Key es demasiado larga.');
    let remitente: string;
    if (p.kind === 'sistema') {
      if (!input.remitente) throw badRequest('Ingrese el remitente.', 'remitente');
      remitente = input.remitente;
    } else {
      remitente = p.nombre;
    }
    const { row } = await fileExpediente(db, {
      ...input,
      remitente,
      idempotencyKey: key,
      cuentaId: p.kind === 'cuenta' ? p.cuentaId : null,
      apiTokenId: p.kind === 'sistema' ? p.tokenId : null,
    });
    await ensureWorkflow(db, temporal, config.temporal.taskQueue, row);
    ctx.status = 201;
    ctx.body = { numero: row.numero, estado: row.estado };
  });

  v1.get('/expedientes/:numero', async (ctx) => {
    ctx.body = await loadExpediente(ctx, deps, ctx.params.numero);
  });

  v1.post('/expedientes/:numero/:accion', async (ctx) => {
    const { numero, accion } = ctx.params;
    if (!NUMERO.test(numero)) throw notFound('El expediente no existe.');
    if (!isAccion(accion)) throw notFound('Acción desconocida.');
    const staff = requireRole(ctx, ...ROLES_FOR[accion]);
    const exp = await visibleExpediente(ctx, deps, numero);
    // Office staff act only on cases that are in their office.
    if (staff.rol === 'unidad' && exp.unidad !== staff.unidad) {
      throw new HttpError(403, 'PROHIBIDO', 'El expediente no está en su unidad orgánica.');
    }
    // Fast, friendly refusal from the read model; the workflow's validator still decides races.
    const reason = refusal(accion, exp.estado, numero);
    if (reason) throw conflict(reason);
    const actor: Actor = { usuario: staff.email, rol: staff.rol, unidad: staff.unidad };
    const handle = temporal.workflow.getHandle(workflowIdFor(numero));
    let result;
    if (accion === 'derivar') {
      const { unidad, proveido } = parse(derivarSchema, bodyOf(ctx));
      const u = await db('unidades').where({ codigo: unidad, activa: true }).first('codigo');
      if (!u) throw badRequest('La unidad de destino no existe.', 'unidad');
      result = await handle.executeUpdate(derivarUpdate, { args: [{ actor, unidad, proveido }] });
    } else {
      const { comentario } = parse(atenderSchema, bodyOf(ctx));
      result = await handle.executeUpdate(atenderUpdate, { args: [{ actor, comentario }] });
    }
    ctx.body = { numero: result.numero, estado: result.estado };
  });

  router.use(v1.routes(), v1.allowedMethods());
  return router;
}

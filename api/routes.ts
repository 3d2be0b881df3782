// JSON API under /api/v1 (DESIGN.md "API"), plus /health and /ready.
import Router from '@koa/router';
import { z } from 'zod';
import { databaseReachable } from '../lib/db';
import { temporalReachable } from '../lib/temporal';
import { isAccion, refusal } from '../domain/lifecycle';
import { atenderUpdate, derivarUpdate, workflowIdFor, type Actor } from '../workflows/definitions';
import { badRequest, conflict, notFound } from './errors';
import { bodyOf, parse, text } from './validation';
import { ensureWorkflow, fileExpediente } from './expedientes';
import type { AppDeps } from './app';

const NUMERO = /^\d{5}-\d{4}$/;

const filingSchema = z.object({
  tipoDocumento: text('el tipo de documento', 1, 60),
  asunto: text('el asunto', 3, 500),
  remitente: text('el remitente', 3, 200),
});
const derivarSchema = z.object({
  unidad: text('la unidad de destino', 1, 20),
  proveido: text('el proveído', 3, 2000),
});
const atenderSchema = z.object({ comentario: text('el comentario', 3, 4000) });

export async function loadExpediente(deps: AppDeps, numero: string) {
  if (!NUMERO.test(numero)) throw notFound('El expediente no existe.');
  const row = await deps.db('expedientes').where({ numero }).first();
  if (!row) throw notFound('El expediente no existe.');
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
    const input = parse(filingSchema, bodyOf(ctx));
    const key = ctx.get('Idempotency-Key') || undefined;
    if (key && key.length > 200) throw badRequest('La cabecera Idempotency-Key es demasiado larga.');
    const { row } = await fileExpediente(db, { ...input, idempotencyKey: key });
    await ensureWorkflow(db, temporal, config.temporal.taskQueue, row);
    ctx.status = 201;
    ctx.body = { numero: row.numero, estado: row.estado };
  });

  v1.get('/expedientes/:numero', async (ctx) => {
    ctx.body = await loadExpediente(deps, ctx.params.numero);
  });

  v1.post('/expedientes/:numero/:accion', async (ctx) => {
    const { numero, accion } = ctx.params;
    if (!NUMERO.test(numero)) throw notFound('El expediente no existe.');
    if (!isAccion(accion)) throw notFound('Acción desconocida.');
    const exp = await db('expedientes').where({ numero }).first('id', 'estado');
    if (!exp) throw notFound('El expediente no existe.');
    // Fast, friendly refusal from the read model; the workflow's validator still decides races.
    const reason = refusal(accion, exp.estado, numero);
    if (reason) throw conflict(reason);
    // Until accounts exist, actions are open; the accounts capability puts them behind roles.
    const actor: Actor = { usuario: 'personal', rol: 'mesa_partes' };
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

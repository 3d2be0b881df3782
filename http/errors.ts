// The one middleware that turns any error (services' AppError, Temporal's refusals, a database or
// Temporal out of reach) into the JSON body of DESIGN.md "API" or an error page, and logs each
// request. Nothing a client sent yields a 500.
import type { Context, Next } from 'koa';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { databaseUnreachable, temporalUnreachable } from '../lib/unreachable';
import { ApplicationFailure } from '@temporalio/common';
import { FORBIDDEN, REFUSED } from '../workflows/definitions';
import { AppError, conflict, databaseUnavailable, notFound, temporalUnavailable } from '../services/errors';
import { InvalidFields } from '../services/validation';

/** Temporal or PostgreSQL unreachable, as the 503 a person reads; undefined for anything else. */
export function unavailableError(err: unknown): AppError | undefined {
  if (temporalUnreachable(err)) return temporalUnavailable();
  if (databaseUnreachable(err)) return databaseUnavailable();
  return undefined;
}

function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === REFUSED) {
    return conflict(err.cause.message);
  }
  // A race the read model could not see (a colleague moved the case to another office meanwhile).
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === FORBIDDEN) {
    return new AppError(403, 'PROHIBIDO', err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return notFound('El expediente no existe.');
  const down = unavailableError(err);
  if (down) return down;
  const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string };
  const status = e.status ?? e.statusCode;
  if (status === 413) return new AppError(413, 'DEMASIADO_GRANDE', 'El contenido enviado supera el tamaño permitido.');
  if (status === 415) return new AppError(415, 'TIPO_NO_SOPORTADO', 'Tipo de contenido no soportado.');
  if (status && status >= 400 && status < 500) {
    const badJson = e.type === 'entity.parse.failed' || (err as Error).name === 'SyntaxError';
    const message = badJson ? 'El cuerpo de la solicitud no es JSON válido.' : 'Solicitud inválida.';
    return new AppError(status, 'SOLICITUD_INVALIDA', message);
  }
  return undefined;
}

export function wantsHtml(ctx: Context) {
  return !ctx.path.startsWith('/api/') && ctx.accepts('json', 'html') === 'html';
}

const PROBES = new Set(['/health', '/ready']);

/**
 * One line per request: the route's pattern (never the path's values, nor the query string, which
 * may carry a DNI or a tracking key), the status and the time it took.
 */
function logRequest(ctx: Context, ms: number) {
  const route = (ctx as Context & { _matchedRoute?: string })._matchedRoute ?? '-';
  // The proxy's and the orchestrator's probes every few seconds: only when they fail.
  if (PROBES.has(route) && ctx.status < 400) return;
  console.info(`[web] ${ctx.method} ${route} ${ctx.status} ${ms.toFixed(1)} ms`);
}

export function errorHandler(render: (ctx: Context, view: string, data: { [k: string]: unknown }) => void, opts: { logRequests: boolean }) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound();
    } catch (err) {
      let http = toAppError(err);
      if (http?.status === 503 && !(err instanceof AppError)) console.warn(`[web] ${ctx.method} ${ctx.path}: ${http.code} (${(err as Error).message})`);
      if (!http) {
        console.error(`[web] ${ctx.method} ${ctx.path}:`, err);
        http = new AppError(500, 'ERROR_INTERNO', 'Ocurrió un error interno. Intente nuevamente en unos minutos.');
      }
      ctx.status = http.status;
      const retryAfter = http.retryAfter;
      if (retryAfter) ctx.set('Retry-After', String(retryAfter));
      if (wantsHtml(ctx)) {
        render(ctx, 'error', { titulo: 'No se pudo completar', mensaje: http.message, status: http.status });
      } else {
        // `campos`: every field with a problem, in the order of the fields (the first is `campo`).
        const campos = http instanceof InvalidFields ? { campos: http.campos } : {};
        ctx.body = { error: { code: http.code, message: http.message, ...(http.field ? { campo: http.field } : {}), ...campos } };
      }
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      ctx.set('Server-Timing', `app;dur=${ms.toFixed(1)}`);
      if (opts.logRequests) logRequest(ctx, ms);
    }
  };
}

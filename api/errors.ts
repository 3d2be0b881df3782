// Error classes with their HTTP status, and the one middleware that turns any error into the
// JSON body of DESIGN.md "API" (or an error page for browsers). Nothing a client sent yields a 500.
import type { Context, Next } from 'koa';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FORBIDDEN, REFUSED } from '../workflows/definitions';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, field?: string) => new HttpError(400, 'SOLICITUD_INVALIDA', message, field);
export const notFound = (message = 'No encontrado.') => new HttpError(404, 'NO_ENCONTRADO', message);
export const conflict = (message: string) => new HttpError(409, 'ESTADO_NO_PERMITE', message);

function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === REFUSED) {
    return conflict(err.cause.message);
  }
  // A race the read model could not see (a colleague moved the case to another office meanwhile).
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === FORBIDDEN) {
    return new HttpError(403, 'PROHIBIDO', err.cause.message);
  }
  if (err instanceof WorkflowNotFoundError) return notFound('El expediente no existe.');
  const e = err as { status?: number; statusCode?: number; type?: string; expose?: boolean; message?: string };
  const status = e.status ?? e.statusCode;
  if (status === 413) return new HttpError(413, 'DEMASIADO_GRANDE', 'El contenido enviado supera el tamaño permitido.');
  if (status === 415) return new HttpError(415, 'TIPO_NO_SOPORTADO', 'Tipo de contenido no soportado.');
  if (status && status >= 400 && status < 500) {
    const badJson = e.type === 'entity.parse.failed' || (err as Error).name === 'SyntaxError';
    const message = badJson ? 'El cuerpo de la solicitud no es JSON válido.' : 'Solicitud inválida.';
    return new HttpError(status, 'SOLICITUD_INVALIDA', message);
  }
  return undefined;
}

export function wantsHtml(ctx: Context) {
  return !ctx.path.startsWith('/api/') && ctx.accepts('json', 'html') === 'html';
}

export function errorHandler(render: (ctx: Context, view: string, data: { [k: string]: unknown }) => void) {
  return async (ctx: Context, next: Next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw notFound();
    } catch (err) {
      let http = toHttpError(err);
      if (!http) {
        console.error(`[web] ${ctx.method} ${ctx.path}:`, err);
        http = new HttpError(500, 'ERROR_INTERNO', 'Ocurrió un error interno. Intente nuevamente en unos minutos.');
      }
      ctx.status = http.status;
      const retryAfter = (http as HttpError & { retryAfter?: number }).retryAfter;
      if (retryAfter) ctx.set('Retry-After', String(retryAfter));
      if (wantsHtml(ctx)) {
        render(ctx, 'error', { titulo: 'No se pudo completar', mensaje: http.message, status: http.status });
      } else {
        ctx.body = { error: { code: http.code, message: http.message, ...(http.field ? { campo: http.field } : {}) } };
      }
    } finally {
      ctx.set('Server-Timing', `app;dur=${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)}`);
    }
  };
}

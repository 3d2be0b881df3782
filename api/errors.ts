// Error classes with their HTTP status, and the one middleware that turns any error into the
// JSON body of DESIGN.md "API" (or an error page for browsers). Nothing a client sent yields a 500.
import type { Context, Next } from 'koa';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
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

/** A part the request needs is down for a moment: 503 with a Retry-After, never a 500. */
function unavailable(code: string, message: string) {
  return Object.assign(new HttpError(503, code, message), { retryAfter: 30 });
}
export const temporalUnavailable = () =>
  unavailable('TRAMITES_NO_DISPONIBLE', 'El sistema de trámites no está disponible en este momento. Intente nuevamente en unos minutos.');
export const databaseUnavailable = () =>
  unavailable('SERVICIO_NO_DISPONIBLE', 'El servicio no está disponible en este momento. Intente nuevamente en unos minutos.');

/** The error and the errors it wraps (`cause`), outermost first. */
function* causes(err: unknown) {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) yield e;
}

// gRPC 14 UNAVAILABLE and 4 DEADLINE_EXCEEDED: the Temporal server could not be reached (the
// client already retried for some seconds).
const GRPC_UNREACHABLE = new Set([14, 4]);
function temporalUnreachable(err: unknown) {
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return true;
  for (const e of causes(err)) {
    if (isGrpcServiceError(e) && GRPC_UNREACHABLE.has(e.code)) return true;
    if (e instanceof ServiceError && /Failed to connect/.test(e.message)) return true;
  }
  return false;
}

// PostgreSQL down, restarting or refusing connections (class 08 connection exception, 57P01-03
// shut down / starting up, 53300 too many connections), a connection cut mid-query, or no pool
// connection in time.
const PG_UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '53300']);
function databaseUnreachable(err: unknown) {
  for (const e of causes(err)) {
    const { code, name, message } = e as { code?: unknown; name?: string; message?: string };
    if (typeof code === 'string' && (PG_UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (name === 'KnexTimeoutError') return true;
    if (/^Connection terminated|Client has encountered a connection error/.test(message ?? '')) return true;
  }
  return false;
}

/** Temporal or PostgreSQL unreachable, as the 503 a person reads; undefined for anything else. */
export function unavailableError(err: unknown): HttpError | undefined {
  if (temporalUnreachable(err)) return temporalUnavailable();
  if (databaseUnreachable(err)) return databaseUnavailable();
  return undefined;
}

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
  const unavailable = unavailableError(err);
  if (unavailable) return unavailable;
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
      if (http?.status === 503 && !(err instanceof HttpError)) console.warn(`[web] ${ctx.method} ${ctx.path}: ${http.code} (${(err as Error).message})`);
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

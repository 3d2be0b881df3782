// The typed errors a use case throws: each carries its HTTP status, a stable code and a message a
// person can read (Spanish). http/errors.ts is the one place that turns them into a response.

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The form field or JSON property the message is about. */
    readonly field?: string,
    /** Seconds after which retrying may succeed (sent as Retry-After). */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, field?: string) => new AppError(400, 'SOLICITUD_INVALIDA', message, field);
export const unauthenticated = (message = 'Inicie sesión para continuar.') => new AppError(401, 'NO_AUTENTICADO', message);
export const forbidden = (message = 'No tiene permiso para realizar esta acción.') => new AppError(403, 'PROHIBIDO', message);
export const notFound = (message = 'No encontrado.') => new AppError(404, 'NO_ENCONTRADO', message);
export const conflict = (message: string) => new AppError(409, 'ESTADO_NO_PERMITE', message);
/** The request is well formed but the rules do not allow it (422). */
export const notAllowed = (message: string, field?: string) => new AppError(422, 'NO_PERMITIDO', message, field);
/** A part the request needs is down for a moment: 503 with a Retry-After, never a 500. */
export const unavailable = (code: string, message: string, retryAfter = 30) => new AppError(503, code, message, undefined, retryAfter);
export const temporalUnavailable = () =>
  unavailable('TRAMITES_NO_DISPONIBLE', 'El sistema de trámites no está disponible en este momento. Intente nuevamente en unos minutos.');
export const databaseUnavailable = () =>
  unavailable('SERVICIO_NO_DISPONIBLE', 'El servicio no está disponible en este momento. Intente nuevamente en unos minutos.');

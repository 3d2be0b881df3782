// Whether an error means Temporal or PostgreSQL is out of reach for a moment (retry later), as
// opposed to a request or a bug: the sweeper and the calendar notices wait; the API answers 503.
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';

/**
 * The error and the errors it wraps, outermost first: `cause`, and `nativeError` (objection wraps a
 * PostgreSQL error in its own, keeping the driver's under that name without its `code`).
 */
function* causes(err: unknown): Generator<unknown> {
  if (!err) return;
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length && seen.size < 10) {
    const e = queue.shift();
    if (!e || seen.has(e)) continue;
    seen.add(e);
    yield e;
    const { cause, nativeError } = e as { cause?: unknown; nativeError?: unknown };
    queue.push(cause, nativeError);
  }
}

// gRPC 14 UNAVAILABLE and 4 DEADLINE_EXCEEDED: the Temporal server could not be reached (the
// client already retried for some seconds).
const GRPC_UNREACHABLE = new Set([14, 4]);

export function temporalUnreachable(err: unknown) {
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

export function databaseUnreachable(err: unknown) {
  for (const e of causes(err)) {
    const { code, name, message } = e as { code?: unknown; name?: string; message?: string };
    if (typeof code === 'string' && (PG_UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (name === 'KnexTimeoutError') return true;
    if (/^Connection terminated|Client has encountered a connection error/.test(message ?? '')) return true;
  }
  return false;
}

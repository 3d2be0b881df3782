// Which errors mean "Temporal or PostgreSQL is out of reach" (503 in Spanish, lib/unreachable.ts, http/errors.ts) and
// which do not (a bug stays a 500, a constraint a 4xx): the shapes the clients really throw.
import test from 'ava';
import knex from 'knex';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { unavailableError } from '../http/errors';

const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
const pg = (code: string, message: string) => Object.assign(new Error(message), { code });

const TEMPORAL = 'TRAMITES_NO_DISPONIBLE';
const DATABASE = 'SERVICIO_NO_DISPONIBLE';

const cases: [string, unknown, string | undefined][] = [
  ['gRPC UNAVAILABLE (server down)', grpc(14, 'No connection established. Last error: connect ECONNREFUSED'), TEMPORAL],
  ['gRPC DEADLINE_EXCEEDED', grpc(4, 'Deadline exceeded'), TEMPORAL],
  ['a client ServiceError wrapping UNAVAILABLE', new ServiceError('Workflow Update failed', { cause: grpc(14, 'Connection dropped') }), TEMPORAL],
  ['the client could not connect', new ServiceError('Failed to connect to Temporal server', { cause: new Error('timeout') }), TEMPORAL],
  ['an update call that timed out', new WorkflowUpdateRPCTimeoutOrCancelledError('Timed out waiting for update response', { cause: grpc(4, 'Deadline exceeded') }), TEMPORAL],
  ['PostgreSQL refusing connections', pg('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'), DATABASE],
  ['a connection reset', pg('ECONNRESET', 'read ECONNRESET'), DATABASE],
  ['admin_shutdown (57P01) mid-query', pg('57P01', 'terminating connection due to administrator command'), DATABASE],
  ['cannot_connect_now (57P03) while starting', pg('57P03', 'the database system is starting up'), DATABASE],
  ['too many connections (53300)', pg('53300', 'sorry, too many clients already'), DATABASE],
  ['a connection exception (08006)', pg('08006', 'connection failure'), DATABASE],
  ['a connection cut', new Error('Connection terminated unexpectedly'), DATABASE],
  ['no pool connection in time', new knex.KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.'), DATABASE],
  ['a unique violation', pg('23505', 'duplicate key value violates unique constraint'), undefined],
  ['gRPC INVALID_ARGUMENT (our bug)', new ServiceError('Failed to start Workflow', { cause: grpc(3, 'bad search attribute') }), undefined],
  ['any other error', new TypeError("Cannot read properties of undefined (reading 'id')"), undefined],
];

for (const [what, err, code] of cases) {
  test(`${what} → ${code ?? 'not a 503'}`, (t) => {
    const http = unavailableError(err);
    t.is(http?.code, code);
    if (code) {
      t.is(http!.status, 503);
      t.regex(http!.message, /no está disponible en este momento\. Intente nuevamente en unos minutos\./);
    }
  });
}

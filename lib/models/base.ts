// What every model shares: no bound database, `first()` as knex means it, and schema pieces.
import { Model, type JSONSchema } from 'objection';
// The declared column types hold only with lib/db.ts's type parsers (BIGINT → number, DATE → string).
import '../db';

export class BaseModel extends Model {
  // `first()` adds LIMIT 1, as the knex queries these models replace expect.
  static useLimitInFirst = true;
}

// lib/db.ts binds objection's Model to the last database created; tests run several in one process,
// so models hide that binding and a query without `Model.query(db)` fails instead of picking one.
Object.defineProperty(BaseModel, '$$knex', { value: undefined, writable: true, configurable: true, enumerable: false });

// Schema pieces. Timestamp columns are left out of every schema: ajv sees a Date as an object, not
// a string, and a raw `now()` is taken out before validation; the database's NOT NULL guards them.
export const text: JSONSchema = { type: 'string' };
export const textOrNull: JSONSchema = { type: ['string', 'null'] };
export const integer: JSONSchema = { type: 'integer' };
export const integerOrNull: JSONSchema = { type: ['integer', 'null'] };
export const boolean: JSONSchema = { type: 'boolean' };
/** A DATE column: a legal day 'YYYY-MM-DD', as lib/db.ts reads it back. */
export const day: JSONSchema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
export const dayOrNull: JSONSchema = { type: ['string', 'null'], pattern: '^\\d{4}-\\d{2}-\\d{2}$' };
export const oneOf = (values: readonly string[]): JSONSchema => ({ type: 'string', enum: [...values] });
export const oneOfOrNull = (values: readonly string[]): JSONSchema => ({ type: ['string', 'null'], enum: [...values, null] });

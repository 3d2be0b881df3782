// What every page form shares: reading the posted form, keeping what was typed, showing a service
// error next to its field, redirecting after a POST.
import type { Context } from 'koa';
import { AppError } from '../services/errors';
import { InvalidFields } from '../services/validation';
import { unavailableError } from '../http/errors';
import { bodyOf } from '../http/validation';

export type Body = Record<string, unknown>;

const PASSWORD_FIELDS = ['password', 'passwordConfirmacion', 'passwordActual', '_csrf'];

/** The parsed form as a plain object (koa-body gives `{}` or nothing for an empty body). */
export function formOf(ctx: Context): Body {
  const b = bodyOf(ctx);
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {};
}

export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Nests `prefix[key]` / `prefix.key` form fields into `{ prefix: { key } }`. koa-body's qs parser
 * already nests bracket and dot names; this also covers a parser that does not.
 */
export function nest(body: Body, prefix: string): Body {
  const out: Body = {};
  const inner: Body = {};
  const already = body[prefix];
  if (already && typeof already === 'object' && !Array.isArray(already)) Object.assign(inner, already);
  let found = !!already;
  for (const [k, v] of Object.entries(body)) {
    const m = new RegExp(`^${prefix}(?:\\[([^\\]]+)\\]|\\.(.+))$`).exec(k);
    if (m) {
      inner[m[1] ?? m[2]] = v;
      found = true;
    } else if (k !== prefix) out[k] = v;
  }
  if (found) out[prefix] = inner;
  return out;
}

/** The values a form re-renders with: what the person typed, never a password or the token. */
export function keep(body: Body): Body {
  const v: Body = {};
  for (const [k, val] of Object.entries(body)) if (!PASSWORD_FIELDS.includes(k)) v[k] = val;
  return v;
}

/** Only a same-site path: starts with one '/', no scheme, no '//' or '/\' (protocol-relative). */
export function safeReturn(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 2000) return undefined;
  if (!/^\/(?![/\\])/.test(v) || /[\\\s\u0000-\u001f]/.test(v)) return undefined;
  return v;
}

export function seeOther(ctx: Context, url: string) {
  ctx.redirect(url);
  ctx.status = 303;
}

export const fieldId = (field: string) => `f-${field.replace(/[.[\]]+/g, '-').replace(/-$/, '')}`;

/**
 * Data for the summary alert and the field messages of a service error: every field with a
 * problem gets its message beside it (`errores`), and the summary lists them all, in the order
 * of the form, each linking to its field (`problemas`, when more than one).
 */
export function problem(err: AppError, rename: (field: string) => string = (f) => f) {
  const campos = err instanceof InvalidFields ? err.campos : err.field ? [{ campo: err.field, message: err.message }] : [];
  const named = campos.filter((c) => c.campo).map((c) => ({ field: rename(c.campo), message: c.message }));
  const errores: Record<string, string> = {};
  for (const c of named) errores[c.field] ??= c.message;
  const many = named.length > 1;
  return {
    alerta: many ? `Revise ${named.length} datos del formulario:` : err.message,
    alertaCampo: named.length === 1 ? fieldId(named[0].field) : undefined,
    problemas: many ? named.map((c) => ({ id: fieldId(c.field), mensaje: c.message })) : undefined,
    errores,
  };
}

/**
 * Runs a service call; an AppError comes back as a value, and so does Temporal or PostgreSQL out
 * of reach (503: the form is shown again with what was typed); anything else propagates.
 */
export async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: AppError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof AppError) return { ok: false, err };
    const unavailable = unavailableError(err);
    if (unavailable) return { ok: false, err: unavailable };
    throw err;
  }
}

export function failed(ctx: Context, err: AppError) {
  ctx.status = err.status;
  const retryAfter = err.retryAfter;
  if (retryAfter) ctx.set('Retry-After', String(retryAfter));
}

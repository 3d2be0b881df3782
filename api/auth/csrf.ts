// CSRF protection. Requests authenticated by the session cookie must carry the session's token
// (X-CSRF-Token header or `_csrf` form field). Anonymous page form posts (login, registration) use
// a double-submit cookie. API calls without a session, and bearer-token calls, carry no ambient
// authority.
import type { Context, Next } from 'koa';
import { sameString } from '../../lib/secrets';
import { HttpError } from '../errors';
import { ANON_CSRF_COOKIE, principal } from './session';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function submittedCsrf(ctx: Context): string | undefined {
  const header = ctx.get('X-CSRF-Token');
  if (header) return header;
  const body = (ctx.request as { body?: unknown }).body;
  const field = body && typeof body === 'object' ? (body as Record<string, unknown>)._csrf : undefined;
  return typeof field === 'string' ? field : undefined;
}

export async function csrfProtection(ctx: Context, next: Next) {
  if (SAFE.has(ctx.method)) return next();
  const p = principal(ctx);
  const sent = submittedCsrf(ctx);
  const refuse = () => {
    throw new HttpError(403, 'CSRF', 'La sesión del formulario caducó. Recargue la página e intente nuevamente.');
  };
  if (p?.kind === 'cuenta') {
    if (!sent || !sameString(sent, p.csrfToken)) refuse();
  } else if (!p && !ctx.path.startsWith('/api/') && ctx.is('urlencoded', 'multipart')) {
    const cookie = ctx.cookies.get(ANON_CSRF_COOKIE);
    if (!sent || !cookie || !sameString(sent, cookie)) refuse();
  }
  return next();
}

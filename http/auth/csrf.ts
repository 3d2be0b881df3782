// CSRF protection. Requests authenticated by the session cookie must carry the session's token
// (X-CSRF-Token header or `_csrf` form field). Anonymous page form posts (login, registration) use
// a double-submit cookie. A multipart form posted without JavaScript carries the token as its
// first field: the upload parser checks it before storing any file. API calls without a session, and bearer-token calls, carry no ambient
// authority.
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { sameString } from '../../lib/secrets';
import { AppError } from '../../services/errors';
import { ANON_CSRF_COOKIE, principal } from './session';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

const DEFERRED = Symbol('csrf-deferred');
type Check = (fields: Record<string, string>) => void;

/** Leaves the token check of a multipart request to whoever parses its body. */
function deferCsrf(req: IncomingMessage, check: Check) {
  (req as IncomingMessage & { [DEFERRED]?: Check })[DEFERRED] = check;
}

/**
 * The token check a multipart parser must run on the text fields read before the first file (or
 * at the end when there are none); throws 403. Undefined when the token came in a header.
 */
export function deferredCsrf(req: IncomingMessage): Check | undefined {
  return (req as IncomingMessage & { [DEFERRED]?: Check })[DEFERRED];
}

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
    throw new AppError(403, 'CSRF', 'La sesión del formulario caducó. Recargue la página e intente nuevamente.');
  };
  if (p?.kind === 'cuenta') {
    if (!sent && ctx.is('multipart')) {
      // A form with files posted without JavaScript: the token is the form's first field, read
      // by the multipart parser before any file is stored (see deferCsrf).
      deferCsrf(ctx.req, (fields) => {
        const field = fields._csrf;
        if (!field || !sameString(field, p.csrfToken)) refuse();
      });
      return next();
    }
    if (!sent || !sameString(sent, p.csrfToken)) refuse();
  } else if (!p && !ctx.path.startsWith('/api/') && ctx.is('urlencoded', 'multipart')) {
    const cookie = ctx.cookies.get(ANON_CSRF_COOKIE);
    if (!sent || !cookie || !sameString(sent, cookie)) refuse();
  }
  return next();
}

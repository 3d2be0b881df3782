// Who is asking: a person by session cookie (server-side session) or a system by bearer token.
import type { Context, Next } from 'koa';
import type { AppDeps } from '../../services/deps';
import { randomToken, sha256 } from '../../lib/secrets';
import { ApiToken, Sesion } from '../../lib/models';
import { unauthenticated } from '../../services/errors';
import { closeSession, type Client, type OpenedSession, type SessionAnswer } from '../../services/cuentas/sesiones';
import { displayName } from '../../domain/persona';
import type { Principal } from '../../domain/principal';

export const SESSION_COOKIE = 'mpv_sesion';
export const ANON_CSRF_COOKIE = 'mpv_csrf';

export function principal(ctx: Context): Principal | undefined {
  return ctx.state.principal as Principal | undefined;
}

function cookieOptions(ctx: Context, maxAgeMs?: number) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, overwrite: true, path: '/', ...(maxAgeMs ? { maxAge: maxAgeMs } : {}) };
}

export function authenticate(deps: AppDeps) {
  const { db, config, clock } = deps;
  // How stale the last-activity stamp may get before a request rewrites it: a minute, or a
  // quarter of the idle timeout when that is shorter.
  const stampEveryMs = Math.min(60_000, config.accounts.sessionIdleMinutes * 15_000);
  return async (ctx: Context, next: Next) => {
    const now = clock.now();
    const auth = ctx.get('Authorization');
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      const token = m && (await ApiToken.query(db).findOne({ token_hash: sha256(m[1]) }).modify('vigentes'));
      if (!token) throw unauthenticated('El token de acceso no es válido o fue revocado.');
      ctx.state.principal = { kind: 'sistema', tokenId: token.id, nombre: token.nombre } satisfies Principal;
      await ApiToken.query(db).findById(token.id).patch({ ultimo_uso: now });
      return next();
    }
    const raw = ctx.cookies.get(SESSION_COOKIE);
    if (raw) {
      const idleCutoff = new Date(now.getTime() - config.accounts.sessionIdleMinutes * 60_000);
      const row = await db('sesiones as s')
        .join('cuentas as c', 'c.id', 's.cuenta_id')
        .leftJoin('segundos_factores as sf', 'sf.cuenta_id', 'c.id')
        .where('s.id_hash', sha256(raw))
        .andWhere('s.expira_en', '>', now)
        .andWhere('s.ultima_actividad', '>', idleCutoff)
        .andWhere('c.activo', true)
        .first('s.id_hash', 's.csrf_token', 's.ultima_actividad', 'c.id', 'c.rol', 'c.email', 'c.nombres', 'c.apellido_paterno', 'c.apellido_materno', 'c.razon_social', 'c.unidad_codigo', 'sf.confirmado_en as totp_confirmado_en');
      if (row) {
        ctx.state.principal = {
          kind: 'cuenta',
          cuentaId: row.id,
          rol: row.rol,
          email: row.email,
          nombre: displayName(row),
          unidad: row.unidad_codigo,
          csrfToken: row.csrf_token,
          sessionHash: row.id_hash,
          mustEnrolTotp: !row.totp_confirmado_en && (config.security.twoFactorRoles as readonly string[]).includes(row.rol),
        } satisfies Principal;
        // Activity is stamped when a request starts, so a long upload keeps its session; not on
        // every request: a write per request would cost more than the precision is worth.
        if (now.getTime() - new Date(row.ultima_actividad).getTime() >= stampEveryMs) {
          await Sesion.query(db).findById(row.id_hash).patch({ ultima_actividad: now });
        }
      } else {
        ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx));
      }
    }
    return next();
  };
}

/** Where the request comes from, as the session services keep it. */
export const clientOf = (ctx: Context): Client => ({ ip: ctx.ip, userAgent: ctx.get('User-Agent') });

/** Hands the browser the cookie of a session a service opened; answers what the client may see. */
export function startSession<A extends SessionAnswer>(ctx: Context, opened: OpenedSession<A>): A {
  ctx.cookies.set(SESSION_COOKIE, opened.token, cookieOptions(ctx));
  return opened.sesion;
}

/** Logout: the session (if any) ends and the browser forgets its cookie. */
export async function endSession(ctx: Context, deps: AppDeps) {
  const p = principal(ctx);
  if (p?.kind === 'cuenta') await closeSession(deps, p.sessionHash);
  ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx));
}

/** The CSRF token a page must embed in its forms: the session's, or an anonymous one. */
export function csrfTokenFor(ctx: Context): string {
  const p = principal(ctx);
  if (p?.kind === 'cuenta') return p.csrfToken;
  let anon = ctx.cookies.get(ANON_CSRF_COOKIE);
  if (!anon || !/^[\w-]{20,64}$/.test(anon)) {
    anon = randomToken(24);
    ctx.cookies.set(ANON_CSRF_COOKIE, anon, cookieOptions(ctx));
  }
  return anon;
}

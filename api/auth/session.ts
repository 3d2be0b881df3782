// Who is asking: a person by session cookie (server-side session) or a system by bearer token.
import type { Context, Next } from 'koa';
import type { Knex } from 'knex';
import type { AppDeps } from '../app';
import { randomToken, sha256 } from '../../lib/secrets';
import { HttpError } from '../errors';
import { displayName } from '../../domain/persona';

export { displayName };

export const SESSION_COOKIE = 'mpv_sesion';
export const ANON_CSRF_COOKIE = 'mpv_csrf';

export type Rol = 'ciudadano' | 'mesa_partes' | 'unidad' | 'supervisor' | 'admin';
export const STAFF_ROLES: readonly Rol[] = ['mesa_partes', 'unidad', 'supervisor', 'admin'];

export type Principal =
  | {
      kind: 'cuenta';
      cuentaId: number;
      rol: Rol;
      email: string;
      nombre: string;
      unidad: string | null;
      csrfToken: string;
      sessionHash: string;
      /** The role requires a second factor (DOBLE_FACTOR_ROLES) and the account has none yet. */
      mustEnrolTotp: boolean;
    }
  | { kind: 'sistema'; tokenId: number; nombre: string };

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
      const token = m && (await db('api_tokens').where({ token_hash: sha256(m[1]) }).whereNull('revocado_en').first());
      if (!token) throw new HttpError(401, 'NO_AUTENTICADO', 'El token de acceso no es válido o fue revocado.');
      ctx.state.principal = { kind: 'sistema', tokenId: token.id, nombre: token.nombre } satisfies Principal;
      await db('api_tokens').where({ id: token.id }).update({ ultimo_uso: now });
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
          await db('sesiones').where({ id_hash: row.id_hash }).update({ ultima_actividad: now });
        }
      } else {
        ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx));
      }
    }
    return next();
  };
}

export async function createSession(ctx: Context, deps: AppDeps, cuentaId: number) {
  const { db, config, clock } = deps;
  const now = clock.now();
  const token = randomToken();
  const csrfToken = randomToken(24);
  await db('sesiones').insert({
    id_hash: sha256(token),
    cuenta_id: cuentaId,
    csrf_token: csrfToken,
    creada_en: now,
    ultima_actividad: now,
    expira_en: new Date(now.getTime() + config.accounts.sessionMaxHours * 3_600_000),
    ip: ctx.ip,
    user_agent: ctx.get('User-Agent').slice(0, 300),
  });
  ctx.cookies.set(SESSION_COOKIE, token, cookieOptions(ctx));
  return { csrfToken };
}

/** A new session for the account, and what a login answers: who is in and the CSRF token. */
export async function openSession(ctx: Context, deps: AppDeps, cuenta: SessionAccount) {
  const { csrfToken } = await createSession(ctx, deps, cuenta.id);
  return { usuario: cuenta.email, nombre: displayName(cuenta), rol: cuenta.rol as Rol, unidad: cuenta.unidad_codigo ?? undefined, csrfToken };
}

interface SessionAccount {
  id: number;
  email: string;
  rol: string;
  unidad_codigo?: string | null;
  nombres?: string | null;
  apellido_paterno?: string | null;
  apellido_materno?: string | null;
  razon_social?: string | null;
}

export async function endSession(ctx: Context, db: Knex) {
  const p = principal(ctx);
  if (p?.kind === 'cuenta') await db('sesiones').where({ id_hash: p.sessionHash }).del();
  ctx.cookies.set(SESSION_COOKIE, null, cookieOptions(ctx));
}

/** Ends every session of the account except `keepHash` (the one making the change). */
export function endOtherSessions(db: Knex, cuentaId: number, keepHash?: string) {
  const q = db('sesiones').where({ cuenta_id: cuentaId });
  if (keepHash) q.whereNot({ id_hash: keepHash });
  return q.del();
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

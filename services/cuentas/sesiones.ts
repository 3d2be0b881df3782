// Login in one or two steps and logout, over plain input: what was typed and where it came from.
// A session is a row whose id is the hash of a random token; writing that token into a cookie is
// http/auth/session.ts's job. Wrong passwords and codes are throttled per client IP and per account.
import type { Knex } from 'knex';
import { raw } from 'objection';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { parse } from '../validation';
import { blockedFor, clear, hit, tooMany, type Limit } from '../throttle';
import { activeFactor, codeLimit, codigo, hasSecondFactor, requiresSecondFactor, spendCode, wrongCode } from '../segundo-factor';
import { dummyHash, randomToken, sha256, verifyPassword } from '../../lib/secrets';
import { Cuenta, DesafioSegundoFactor, Sesion } from '../../lib/models';
import { normalizeEmail } from '../../domain/identity';
import { displayName } from '../../domain/persona';
import type { RolCuenta } from '../../domain/principal';

/** Where a login comes from: kept with the session, and the key of the per-connection throttle. */
export interface Client {
  ip: string;
  userAgent: string;
}

/** What a login answers about the session it opened (the token goes into the cookie, not here). */
export interface SessionAnswer {
  usuario: string;
  nombre: string;
  rol: RolCuenta;
  unidad?: string;
  csrfToken: string;
}

export interface OpenedSession<A extends SessionAnswer = SessionAnswer> {
  /** The cookie's value; only its hash is stored. */
  token: string;
  sesion: A;
}

/** The password was right and a code must follow, for this desafío: no session yet. */
export interface CodeNeeded {
  segundoFactor: 'totp';
  desafio: string;
}

export type LoginResult = CodeNeeded | OpenedSession<SessionAnswer & { segundoFactorPendiente?: true }>;

export const needsCode = (r: LoginResult): r is CodeNeeded => 'desafio' in r;

export class UnverifiedAccount extends AppError {
  constructor(readonly email: string) {
    super(403, 'CUENTA_NO_VERIFICADA', 'Confirme su correo electrónico para ingresar. Le enviamos un código al registrarse.');
  }
}

const inactive = () => new AppError(403, 'CUENTA_INACTIVA', 'Su cuenta está desactivada. Comuníquese con la entidad.');

/** A new session row for the account. */
export async function openSession(deps: AppDeps, cuenta: Cuenta, client: Client): Promise<OpenedSession> {
  const now = deps.clock.now();
  const token = randomToken();
  const csrfToken = randomToken(24);
  await Sesion.query(deps.db).insert({
    id_hash: sha256(token),
    cuenta_id: cuenta.id,
    csrf_token: csrfToken,
    creada_en: now,
    ultima_actividad: now,
    expira_en: new Date(now.getTime() + deps.config.accounts.sessionMaxHours * 3_600_000),
    ip: client.ip,
    user_agent: client.userAgent.slice(0, 300),
  });
  return { token, sesion: { usuario: cuenta.email, nombre: displayName(cuenta), rol: cuenta.rol, unidad: cuenta.unidad_codigo ?? undefined, csrfToken } };
}

/** Logout: the session `sessionHash` ends. */
export async function closeSession(deps: AppDeps, sessionHash: string): Promise<void> {
  await Sesion.query(deps.db).deleteById(sessionHash);
}

/** Ends every session of the account except `keepHash` (the one making the change). */
export function endOtherSessions(db: Knex, cuentaId: number, keepHash?: string) {
  const q = Sesion.query(db).where({ cuenta_id: cuentaId });
  if (keepHash) q.whereNot({ id_hash: keepHash });
  return q.delete();
}

// ---------- the first step: user and password ----------

const credentials = z.object({
  usuario: z.string({ error: 'Ingrese su correo o número de documento.' }).trim().min(1, 'Ingrese su correo o número de documento.').max(254),
  password: z.string({ error: 'Ingrese su contraseña.' }).min(1, 'Ingrese su contraseña.').max(256),
});

function loginLimits(deps: AppDeps, ip: string) {
  const { loginFailuresPerAccount, loginFailuresPerIp, loginWindowMinutes } = deps.config.accounts;
  const windowMs = loginWindowMinutes * 60_000;
  return {
    ip: { key: `login-ip:${ip}`, max: loginFailuresPerIp, windowMs },
    cuenta: (id: number) => ({ key: `login-cuenta:${id}`, max: loginFailuresPerAccount, windowMs }),
  };
}

/** The account whose password this is, among those the user name (e-mail or document) finds. */
async function passwordOwner(deps: AppDeps, usuario: string, password: string, client: Client, now: Date) {
  const limits = loginLimits(deps, client.ip);
  const ipWait = await blockedFor(deps.db, limits.ip, now);
  if (ipWait) throw tooMany(ipWait, 'Demasiados intentos fallidos desde su conexión.');
  const candidates = await Cuenta.query(deps.db).where(usuario.includes('@') ? { email: normalizeEmail(usuario) } : { numero_documento: usuario });
  for (const c of candidates) {
    const wait = await blockedFor(deps.db, limits.cuenta(c.id), now);
    if (wait) throw tooMany(wait, 'Demasiados intentos fallidos para esta cuenta.');
  }
  let match: Cuenta | undefined;
  for (const c of candidates) if (await verifyPassword(c.password_hash, password)) match = c;
  // As slow without an account as with one: the time tells nothing.
  if (!candidates.length) await verifyPassword(await dummyHash(), password);
  if (!match) {
    await hit(deps.db, limits.ip, now);
    for (const c of candidates) await hit(deps.db, limits.cuenta(c.id), now);
    throw new AppError(401, 'CREDENCIALES_INVALIDAS', 'Usuario o contraseña incorrectos.');
  }
  return match;
}

/** The first step: a session, or (with a second factor) the desafío its code must answer. */
export async function login(deps: AppDeps, input: unknown, client: Client): Promise<LoginResult> {
  const { usuario, password } = parse(credentials, input);
  const now = deps.clock.now();
  const cuenta = await passwordOwner(deps, usuario, password, client, now);
  if (!cuenta.activo) throw inactive();
  if (!cuenta.email_verificado_en) throw new UnverifiedAccount(cuenta.email);
  await clear(deps.db, loginLimits(deps, client.ip).cuenta(cuenta.id).key);
  if (await hasSecondFactor(deps.db, cuenta.id)) return { segundoFactor: 'totp', desafio: await issueChallenge(deps.db, cuenta.id, now) };
  const opened = await openSession(deps, cuenta, client);
  // The role requires a second factor that the account has yet to enrol: that comes first.
  return requiresSecondFactor(deps.config, cuenta.rol) ? { ...opened, sesion: { ...opened.sesion, segundoFactorPendiente: true } } : opened;
}

// ---------- the second step: the code for a desafío ----------

/** How long the second step of a login may wait for its code. */
export const CHALLENGE_MINUTES = 5;
const CHALLENGE_MS = CHALLENGE_MINUTES * 60_000;

/** A new desafío for an account whose password was right; only its hash is stored. */
async function issueChallenge(db: Knex, cuentaId: number, now: Date) {
  const desafio = randomToken();
  await db.transaction(async (trx) => {
    await DesafioSegundoFactor.query(trx).where({ cuenta_id: cuentaId }).where('expira_en', '<=', now).delete();
    await DesafioSegundoFactor.query(trx).insert({ id_hash: sha256(desafio), cuenta_id: cuentaId, creado_en: now, expira_en: new Date(now.getTime() + CHALLENGE_MS) });
  });
  return desafio;
}

const secondStep = z.object({
  desafio: z.string({ error: 'Falta el desafío del ingreso. Ingrese nuevamente con su contraseña.' }).min(1).max(200),
  codigo,
});

const staleChallenge = (why = 'El ingreso venció o ya se usó. Ingrese nuevamente con su correo y contraseña.') =>
  new AppError(401, 'DESAFIO_INVALIDO', why);

/** A desafío still in time, or a 401 (an expired one is removed). */
async function liveChallenge(db: Knex, idHash: string, now: Date) {
  const challenge = await DesafioSegundoFactor.query(db).findById(idHash);
  if (!challenge || new Date(challenge.expira_en) <= now) {
    if (challenge) await DesafioSegundoFactor.query(db).deleteById(idHash);
    throw staleChallenge();
  }
  return challenge;
}

/** A wrong code: counted per connection, per account and per desafío, which dies after `codeAttempts`. */
async function countWrongCode(deps: AppDeps, idHash: string, limits: Limit[], reused: boolean, now: Date): Promise<never> {
  for (const limit of limits) await hit(deps.db, limit, now);
  const [row] = await DesafioSegundoFactor.query(deps.db)
    .where({ id_hash: idHash })
    .patch({ intentos: raw('intentos + 1') })
    .returning('intentos');
  const max = deps.config.accounts.codeAttempts;
  if (row && row.intentos >= max) {
    await DesafioSegundoFactor.query(deps.db).deleteById(idHash);
    throw staleChallenge(`Superó los ${max} intentos con este ingreso. Ingrese nuevamente con su correo y contraseña.`);
  }
  throw wrongCode(reused);
}

/** The second step: the code (TOTP or recovery) for a desafío → the session. */
export async function completeLogin(deps: AppDeps, input: unknown, client: Client): Promise<OpenedSession<SessionAnswer & { codigosRecuperacionRestantes?: number }>> {
  const data = parse(secondStep, input);
  const { db, config } = deps;
  const now = deps.clock.now();
  const ipLimit = codeLimit(config, { ip: client.ip });
  const ipWait = await blockedFor(db, ipLimit, now);
  if (ipWait) throw tooMany(ipWait, 'Demasiados códigos incorrectos desde su conexión.');

  const idHash = sha256(data.desafio);
  const challenge = await liveChallenge(db, idHash, now);
  const accountLimit = codeLimit(config, { cuentaId: challenge.cuenta_id });
  const wait = await blockedFor(db, accountLimit, now);
  if (wait) throw tooMany(wait, 'Demasiados códigos incorrectos para esta cuenta.');
  const factor = await activeFactor(db, challenge.cuenta_id);
  if (!factor) throw staleChallenge();

  const check = await spendCode(deps, factor, data.codigo, now);
  if (!check.ok) return countWrongCode(deps, idHash, [ipLimit, accountLimit], check.reused, now);
  // Consumed here: a second request with the same desafío finds nothing.
  if (!(await DesafioSegundoFactor.query(db).deleteById(idHash))) throw staleChallenge();
  await clear(db, accountLimit.key);
  const cuenta = await Cuenta.query(db).findById(challenge.cuenta_id).throwIfNotFound();
  if (!cuenta.activo) throw inactive();
  const opened = await openSession(deps, cuenta, client);
  return check.recoveryLeft === undefined ? opened : { ...opened, sesion: { ...opened.sesion, codigosRecuperacionRestantes: check.recoveryLeft } };
}

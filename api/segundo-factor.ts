// The TOTP second factor (RFC 6238): enrolment (a pending secret, confirmed by a first code, then
// ten recovery codes shown once), disabling with password and code, and the second step of a
// login through a single-use desafío. Enrolling and disabling are audited and mailed. A code is
// good once: the last accepted time step is kept per account. The JSON API and the pages call these.
import type { Context } from 'koa';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from './app';
import type { Config } from '../lib/config';
import { HttpError, badRequest } from './errors';
import { parse } from './validation';
import { startMailDelivery } from './mail';
import { queueMail } from '../lib/outbox';
import { recordAudit } from '../lib/audit';
import { blockedFor, clear, hit, tooMany, type Limit } from './auth/throttle';
import { displayName, openSession, type Rol } from './auth/session';
import { randomToken, seal, sha256, unseal, verifyPassword } from '../lib/secrets';
import { isTotpCode, matchingStep, newRecoveryCodes, newTotpSecret, otpauthUrl, qrDataUrl, recoveryCodeHash, totpIssuer } from '../lib/totp';
import { fechaHora } from '../web/render';

/** How long the second step of a login may wait for its code. */
export const CHALLENGE_MINUTES = 5;
const CHALLENGE_MS = CHALLENGE_MINUTES * 60_000;

export const requiresSecondFactor = (config: Config, rol: string) => (config.security.twoFactorRoles as readonly string[]).includes(rol);

interface Cuenta {
  cuentaId: number;
  email: string;
}

/** The account's TOTP secret; sealed under another APP_SECRET it can't be read: a clear 409, never a 500. */
function openSecret(config: Config, row: { cuenta_id: number; secreto_cifrado: string }) {
  try {
    return unseal(config.secret, 'totp', row.secreto_cifrado, String(row.cuenta_id));
  } catch {
    throw new HttpError(
      409,
      'SEGUNDO_FACTOR_ILEGIBLE',
      'No se puede verificar el código de su aplicación (cambió la clave del servidor). Ingrese uno de sus códigos de recuperación y vuelva a activar la verificación en dos pasos.',
      'codigo',
    );
  }
}

const activeFactor = (db: Knex, cuentaId: number) => db('segundos_factores').where({ cuenta_id: cuentaId }).whereNotNull('confirmado_en').first();

export async function hasSecondFactor(db: Knex, cuentaId: number) {
  return !!(await activeFactor(db, cuentaId));
}

// Wrong codes count like wrong passwords: per connection and per account, with login's limits,
// on counters of their own (a right password must not reset the count of wrong codes).
function codeLimit(config: Config, who: { ip: string } | { cuentaId: number }): Limit {
  const { loginFailuresPerAccount, loginFailuresPerIp, loginWindowMinutes } = config.accounts;
  const windowMs = loginWindowMinutes * 60_000;
  return 'ip' in who
    ? { key: `segundo-factor-ip:${who.ip}`, max: loginFailuresPerIp, windowMs }
    : { key: `segundo-factor-cuenta:${who.cuentaId}`, max: loginFailuresPerAccount, windowMs };
}

type CodeCheck = { ok: true; recoveryLeft?: number } | { ok: false; reused: boolean };

/**
 * Accepts a TOTP code of a time step newer than the last accepted one (±1 step of drift), or an
 * unused recovery code; either is then spent. Atomic, so two requests never spend the same code.
 */
async function spendCode(deps: AppDeps, factor: { cuenta_id: number; secreto_cifrado: string }, code: string, now: Date): Promise<CodeCheck> {
  const { db } = deps;
  const cuentaId = factor.cuenta_id;
  const compact = code.replace(/\s/g, '');
  if (isTotpCode(compact)) {
    const step = await matchingStep(openSecret(deps.config, factor), compact, now);
    if (step === null) return { ok: false, reused: false };
    const taken = await db('segundos_factores')
      .where({ cuenta_id: cuentaId })
      .andWhere((q) => q.whereNull('ultimo_paso').orWhere('ultimo_paso', '<', step))
      .update({ ultimo_paso: step });
    return taken ? { ok: true } : { ok: false, reused: true };
  }
  const hash = recoveryCodeHash(compact);
  const [spent] = await db('codigos_recuperacion').where({ cuenta_id: cuentaId, codigo_hash: hash }).whereNull('usado_en').update({ usado_en: now }).returning('id');
  if (!spent) return { ok: false, reused: !!(await db('codigos_recuperacion').where({ cuenta_id: cuentaId, codigo_hash: hash }).first('id')) };
  const [{ count }] = await db('codigos_recuperacion').where({ cuenta_id: cuentaId }).whereNull('usado_en').count({ count: '*' });
  return { ok: true, recoveryLeft: Number(count) };
}

const wrongCode = (reused: boolean) =>
  reused
    ? new HttpError(401, 'CODIGO_USADO', 'Ese código ya se usó. Espere a que su aplicación muestre el siguiente e ingréselo.')
    : new HttpError(401, 'CODIGO_INVALIDO', 'El código de verificación no es correcto.');

// ---------- the second step of a login ----------

/** A new desafío for an account whose password was right; only its hash is stored. */
export async function issueChallenge(db: Knex, cuentaId: number, now: Date) {
  const desafio = randomToken();
  await db.transaction(async (trx) => {
    await trx('desafios_segundo_factor').where({ cuenta_id: cuentaId }).andWhere('expira_en', '<=', now).del();
    await trx('desafios_segundo_factor').insert({ id_hash: sha256(desafio), cuenta_id: cuentaId, creado_en: now, expira_en: new Date(now.getTime() + CHALLENGE_MS) });
  });
  return desafio;
}

const codigo = z
  .string({ error: 'Ingrese el código de verificación.' })
  .trim()
  .min(1, 'Ingrese el código de verificación.')
  .max(40, 'El código de verificación no es correcto.');

const secondStep = z.object({
  desafio: z.string({ error: 'Falta el desafío del ingreso. Ingrese nuevamente con su contraseña.' }).min(1).max(200),
  codigo,
});

const staleChallenge = (why = 'El ingreso venció o ya se usó. Ingrese nuevamente con su correo y contraseña.') =>
  new HttpError(401, 'DESAFIO_INVALIDO', why);

/** POST /sesiones/segundo-factor: the code (TOTP or recovery) for a desafío → the session. */
export async function completeLogin(ctx: Context, deps: AppDeps, input: unknown) {
  const data = parse(secondStep, input);
  const { db, config } = deps;
  const now = deps.clock.now();
  const ipLimit = codeLimit(config, { ip: ctx.ip });
  const ipWait = await blockedFor(db, ipLimit, now);
  if (ipWait) throw tooMany(ipWait, 'Demasiados códigos incorrectos desde su conexión.');

  const idHash = sha256(data.desafio);
  const challenge = await db('desafios_segundo_factor').where({ id_hash: idHash }).first();
  if (!challenge || new Date(challenge.expira_en) <= now) {
    if (challenge) await db('desafios_segundo_factor').where({ id_hash: idHash }).del();
    throw staleChallenge();
  }
  const accountLimit = codeLimit(config, { cuentaId: challenge.cuenta_id });
  const wait = await blockedFor(db, accountLimit, now);
  if (wait) throw tooMany(wait, 'Demasiados códigos incorrectos para esta cuenta.');
  const factor = await activeFactor(db, challenge.cuenta_id);
  if (!factor) throw staleChallenge();

  const check = await spendCode(deps, factor, data.codigo, now);
  if (!check.ok) {
    await hit(db, ipLimit, now);
    await hit(db, accountLimit, now);
    const [row] = await db('desafios_segundo_factor').where({ id_hash: idHash }).increment('intentos', 1).returning('intentos');
    const max = config.accounts.codeAttempts;
    if (row && row.intentos >= max) {
      await db('desafios_segundo_factor').where({ id_hash: idHash }).del();
      throw staleChallenge(`Superó los ${max} intentos con este ingreso. Ingrese nuevamente con su correo y contraseña.`);
    }
    throw wrongCode(check.reused);
  }
  // Consumed here: a second request with the same desafío finds nothing.
  if (!(await db('desafios_segundo_factor').where({ id_hash: idHash }).del())) throw staleChallenge();
  await clear(db, accountLimit.key);
  const cuenta = await db('cuentas').where({ id: challenge.cuenta_id }).first();
  if (!cuenta.activo) throw new HttpError(403, 'CUENTA_INACTIVA', 'Su cuenta está desactivada. Comuníquese con la entidad.');
  const session = await openSession(ctx, deps, cuenta);
  return check.recoveryLeft === undefined ? session : { ...session, codigosRecuperacionRestantes: check.recoveryLeft };
}

// ---------- enrolment and disabling ----------

export async function secondFactorStatus(deps: AppDeps, cuentaId: number, rol: Rol) {
  const row = await deps.db('segundos_factores').where({ cuenta_id: cuentaId }).first();
  const activo = !!row?.confirmado_en;
  const restantes = activo
    ? Number((await deps.db('codigos_recuperacion').where({ cuenta_id: cuentaId }).whereNull('usado_en').count({ count: '*' }))[0].count)
    : undefined;
  return {
    activo,
    pendiente: !!row && !activo,
    requerido: requiresSecondFactor(deps.config, rol),
    activadoEn: activo ? new Date(row.confirmado_en) : undefined,
    codigosRecuperacionRestantes: restantes,
  };
}

async function enrolmentData(deps: AppDeps, cuenta: Cuenta, secreto: string) {
  const url = otpauthUrl(secreto, cuenta.email, totpIssuer(deps.config));
  return { secreto, otpauthUrl: url, qr: await qrDataUrl(url) };
}

/** A new pending secret (replacing an earlier pending one): what the app scans or types. */
export async function startEnrolment(deps: AppDeps, cuenta: Cuenta) {
  const now = deps.clock.now();
  const secreto = newTotpSecret();
  const sealed = seal(deps.config.secret, 'totp', secreto, String(cuenta.cuentaId));
  const [row] = await deps.db('segundos_factores')
    .insert({ cuenta_id: cuenta.cuentaId, secreto_cifrado: sealed, creado_en: now })
    .onConflict('cuenta_id')
    .merge({ secreto_cifrado: sealed, creado_en: now, ultimo_paso: null })
    .where('segundos_factores.confirmado_en', null)
    .returning('cuenta_id');
  if (!row) throw alreadyActive();
  return enrolmentData(deps, cuenta, secreto);
}

const alreadyActive = () =>
  new HttpError(409, 'SEGUNDO_FACTOR_ACTIVO', 'La verificación en dos pasos ya está activa. Para usar otra aplicación, desactívela y actívela de nuevo.');

/** The pending secret, to show again (a reloaded page); undefined when there is none. */
export async function pendingEnrolment(deps: AppDeps, cuenta: Cuenta) {
  const row = await deps.db('segundos_factores').where({ cuenta_id: cuenta.cuentaId }).whereNull('confirmado_en').first();
  return row ? enrolmentData(deps, cuenta, openSecret(deps.config, row)) : undefined;
}

const confirmation = z.object({
  codigo: z.string({ error: 'Ingrese el código de 6 dígitos de su aplicación.' }).trim().regex(/^\d{6}$/, 'El código tiene 6 dígitos.'),
});

async function accountMail(trx: Knex, deps: AppDeps, cuentaId: number, template: 'segundo-factor-activado' | 'segundo-factor-desactivado', now: Date) {
  const c = await trx('cuentas').where({ id: cuentaId }).first();
  return queueMail(trx, deps.config, { evento: `${template}:${cuentaId}:${randomToken(9)}`, to: c.email, template, data: { nombre: displayName(c), fecha: fechaHora(now) } }, now);
}

/** The first code confirms the pending secret: the factor is on, and ten recovery codes are shown once. */
/** Every enrolment and disabling: an audit row and a mail to the account (its outbox id). */
async function recordChange(trx: Knex, deps: AppDeps, cuenta: Cuenta, activo: boolean, now: Date) {
  await recordAudit(trx, {
    cuentaId: cuenta.cuentaId,
    entidad: 'segundo_factor',
    clave: String(cuenta.cuentaId),
    accion: activo ? 'ACTIVAR' : 'DESACTIVAR',
    antes: { email: cuenta.email, activo: !activo },
    despues: { email: cuenta.email, activo },
    en: now,
  });
  return accountMail(trx, deps, cuenta.cuentaId, activo ? 'segundo-factor-activado' : 'segundo-factor-desactivado', now);
}

export async function confirmEnrolment(deps: AppDeps, cuenta: Cuenta, input: unknown) {
  const data = parse(confirmation, input);
  const now = deps.clock.now();
  const row = await deps.db('segundos_factores').where({ cuenta_id: cuenta.cuentaId }).first();
  if (row?.confirmado_en) throw alreadyActive();
  if (!row) throw new HttpError(409, 'SIN_ACTIVACION_PENDIENTE', 'Primero inicie la activación para obtener el código QR.');
  const step = await matchingStep(openSecret(deps.config, row), data.codigo, now);
  if (step === null) {
    throw badRequest('El código no es correcto. Revise que la hora de su teléfono sea la correcta e ingrese el código que muestra ahora.', 'codigo');
  }
  const codigos = newRecoveryCodes();
  const correoId = await deps.db.transaction(async (trx) => {
    const [done] = await trx('segundos_factores')
      .where({ cuenta_id: cuenta.cuentaId, secreto_cifrado: row.secreto_cifrado })
      .whereNull('confirmado_en')
      .update({ confirmado_en: now, ultimo_paso: step })
      .returning('cuenta_id');
    if (!done) throw new HttpError(409, 'SIN_ACTIVACION_PENDIENTE', 'La activación cambió mientras tanto. Recargue la página e intente nuevamente.');
    await trx('codigos_recuperacion').where({ cuenta_id: cuenta.cuentaId }).del();
    await trx('codigos_recuperacion').insert(codigos.map((c) => ({ cuenta_id: cuenta.cuentaId, codigo_hash: recoveryCodeHash(c) })));
    return recordChange(trx, deps, cuenta, true, now);
  });
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
  return { codigosRecuperacion: codigos };
}

const disabling = z.object({
  password: z.string({ error: 'Ingrese su contraseña.' }).min(1, 'Ingrese su contraseña.').max(256),
  codigo,
});

/** Turns the factor off: needs the password and a code (TOTP or recovery). */
export async function disableSecondFactor(deps: AppDeps, cuenta: Cuenta, ip: string, input: unknown) {
  const data = parse(disabling, input);
  const { db, config } = deps;
  const now = deps.clock.now();
  const factor = await activeFactor(db, cuenta.cuentaId);
  if (!factor) throw new HttpError(409, 'SEGUNDO_FACTOR_INACTIVO', 'La verificación en dos pasos no está activa.');
  const windowMs = config.accounts.loginWindowMinutes * 60_000;
  const passwordLimit = { key: `clave-actual:${cuenta.cuentaId}`, max: config.accounts.loginFailuresPerAccount, windowMs };
  const accountLimit = codeLimit(config, { cuentaId: cuenta.cuentaId });
  const wait = Math.max(await blockedFor(db, passwordLimit, now), await blockedFor(db, accountLimit, now));
  if (wait) throw tooMany(wait);
  const { password_hash } = await db('cuentas').where({ id: cuenta.cuentaId }).first('password_hash');
  if (!(await verifyPassword(password_hash, data.password))) {
    await hit(db, passwordLimit, now);
    throw badRequest('La contraseña no es correcta.', 'password');
  }
  const check = await spendCode(deps, factor, data.codigo, now);
  if (!check.ok) {
    await hit(db, codeLimit(config, { ip }), now);
    await hit(db, accountLimit, now);
    throw badRequest(wrongCode(check.reused).message, 'codigo');
  }
  const correoId = await db.transaction(async (trx) => {
    await trx('desafios_segundo_factor').where({ cuenta_id: cuenta.cuentaId }).del();
    await trx('codigos_recuperacion').where({ cuenta_id: cuenta.cuentaId }).del();
    await trx('segundos_factores').where({ cuenta_id: cuenta.cuentaId }).del();
    return recordChange(trx, deps, cuenta, false, now);
  });
  await startMailDelivery(db, deps.temporal, config, correoId);
}

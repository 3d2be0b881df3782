// The TOTP second factor (RFC 6238): enrolment (a pending secret, confirmed by a first code, then
// ten recovery codes shown once), disabling with password and code, and the codes a login's second
// step spends (services/cuentas/sesiones.ts). Enrolling and disabling are audited and mailed. A
// code is good once: the last accepted time step is kept per account.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from './deps';
import type { Config } from '../lib/config';
import { AppError, badRequest } from './errors';
import { parse } from './validation';
import { startMailDelivery } from './mail';
import { blockedFor, hit, tooMany, type Limit } from './throttle';
import { queueMail } from '../lib/outbox';
import { recordAudit } from '../lib/audit';
import { randomToken, seal, unseal, verifyPassword } from '../lib/secrets';
import { isTotpCode, matchingStep, newRecoveryCodes, newTotpSecret, otpauthUrl, qrDataUrl, recoveryCodeHash, totpIssuer } from '../lib/totp';
import { CodigoRecuperacion, Cuenta, DesafioSegundoFactor, SegundoFactor } from '../lib/models';
import type { CuentaPrincipal, RolCuenta } from '../domain/principal';
import { displayName } from '../domain/persona';
import { fechaHora } from '../domain/formats';

/** Who enrols or disables: the logged-in account. */
type Titular = Pick<CuentaPrincipal, 'cuentaId' | 'email'>;

export const requiresSecondFactor = (config: Config, rol: string) => (config.security.twoFactorRoles as readonly string[]).includes(rol);

/** The account's TOTP secret; sealed under another APP_SECRET it can't be read: a clear 409, never a 500. */
function openSecret(config: Config, row: Pick<SegundoFactor, 'cuenta_id' | 'secreto_cifrado'>) {
  try {
    return unseal(config.secret, 'totp', row.secreto_cifrado, String(row.cuenta_id));
  } catch {
    throw new AppError(
      409,
      'SEGUNDO_FACTOR_ILEGIBLE',
      'No se puede verificar el código de su aplicación (cambió la clave del servidor). Ingrese uno de sus códigos de recuperación y vuelva a activar la verificación en dos pasos.',
      'codigo',
    );
  }
}

/** The confirmed factor of an account, if any. */
export const activeFactor = (db: Knex, cuentaId: number) => SegundoFactor.query(db).findById(cuentaId).whereNotNull('confirmado_en');

export async function hasSecondFactor(db: Knex, cuentaId: number) {
  return !!(await activeFactor(db, cuentaId));
}

const recoveryLeft = (db: Knex, cuentaId: number) => CodigoRecuperacion.query(db).where({ cuenta_id: cuentaId }).whereNull('usado_en').resultSize();

// Wrong codes count like wrong passwords: per connection and per account, with login's limits,
// on counters of their own (a right password must not reset the count of wrong codes).
export function codeLimit(config: Config, who: { ip: string } | { cuentaId: number }): Limit {
  const { loginFailuresPerAccount, loginFailuresPerIp, loginWindowMinutes } = config.accounts;
  const windowMs = loginWindowMinutes * 60_000;
  return 'ip' in who
    ? { key: `segundo-factor-ip:${who.ip}`, max: loginFailuresPerIp, windowMs }
    : { key: `segundo-factor-cuenta:${who.cuentaId}`, max: loginFailuresPerAccount, windowMs };
}

export type CodeCheck = { ok: true; recoveryLeft?: number } | { ok: false; reused: boolean };

/**
 * Accepts a TOTP code of a time step newer than the last accepted one (±1 step of drift), or an
 * unused recovery code; either is then spent. Atomic, so two requests never spend the same code.
 */
export async function spendCode(deps: AppDeps, factor: SegundoFactor, code: string, now: Date): Promise<CodeCheck> {
  const { db } = deps;
  const cuentaId = factor.cuenta_id;
  const compact = code.replace(/\s/g, '');
  if (isTotpCode(compact)) {
    const step = await matchingStep(openSecret(deps.config, factor), compact, now);
    if (step === null) return { ok: false, reused: false };
    const taken = await SegundoFactor.query(db)
      .where({ cuenta_id: cuentaId })
      .where((q) => {
        q.whereNull('ultimo_paso').orWhere('ultimo_paso', '<', step);
      })
      .patch({ ultimo_paso: step });
    return taken ? { ok: true } : { ok: false, reused: true };
  }
  const hash = recoveryCodeHash(compact);
  const codes = () => CodigoRecuperacion.query(db).where({ cuenta_id: cuentaId, codigo_hash: hash });
  const spent = await codes().whereNull('usado_en').patch({ usado_en: now });
  if (!spent) return { ok: false, reused: !!(await codes().first()) };
  return { ok: true, recoveryLeft: await recoveryLeft(db, cuentaId) };
}

export const wrongCode = (reused: boolean) =>
  reused
    ? new AppError(401, 'CODIGO_USADO', 'Ese código ya se usó. Espere a que su aplicación muestre el siguiente e ingréselo.')
    : new AppError(401, 'CODIGO_INVALIDO', 'El código de verificación no es correcto.');

/** What a code field accepts: a TOTP code or a recovery code. */
export const codigo = z
  .string({ error: 'Ingrese el código de verificación.' })
  .trim()
  .min(1, 'Ingrese el código de verificación.')
  .max(40, 'El código de verificación no es correcto.');

// ---------- status, enrolment and disabling ----------

export interface SecondFactorStatus {
  activo: boolean;
  pendiente: boolean;
  requerido: boolean;
  activadoEn?: Date;
  codigosRecuperacionRestantes?: number;
}

export async function secondFactorStatus(deps: AppDeps, cuentaId: number, rol: RolCuenta): Promise<SecondFactorStatus> {
  const row = await SegundoFactor.query(deps.db).findById(cuentaId);
  const confirmado = row?.confirmado_en ?? null;
  return {
    activo: !!confirmado,
    pendiente: !!row && !confirmado,
    requerido: requiresSecondFactor(deps.config, rol),
    activadoEn: confirmado ? new Date(confirmado) : undefined,
    codigosRecuperacionRestantes: confirmado ? await recoveryLeft(deps.db, cuentaId) : undefined,
  };
}

export interface Enrolment {
  secreto: string;
  otpauthUrl: string;
  qr: string;
}

async function enrolmentData(deps: AppDeps, cuenta: Titular, secreto: string): Promise<Enrolment> {
  const url = otpauthUrl(secreto, cuenta.email, totpIssuer(deps.config));
  return { secreto, otpauthUrl: url, qr: await qrDataUrl(url) };
}

const alreadyActive = () =>
  new AppError(409, 'SEGUNDO_FACTOR_ACTIVO', 'La verificación en dos pasos ya está activa. Para usar otra aplicación, desactívela y actívela de nuevo.');

/** A new pending secret (replacing an earlier pending one): what the app scans or types. */
export async function startEnrolment(deps: AppDeps, cuenta: Titular): Promise<Enrolment> {
  const now = deps.clock.now();
  const secreto = newTotpSecret();
  const sealed = seal(deps.config.secret, 'totp', secreto, String(cuenta.cuentaId));
  // An upsert that must not touch a confirmed factor: clearer in knex than through the model.
  const [row] = await deps
    .db<Pick<SegundoFactor, 'cuenta_id' | 'secreto_cifrado' | 'creado_en' | 'ultimo_paso' | 'confirmado_en'>>('segundos_factores')
    .insert({ cuenta_id: cuenta.cuentaId, secreto_cifrado: sealed, creado_en: now })
    .onConflict('cuenta_id')
    .merge({ secreto_cifrado: sealed, creado_en: now, ultimo_paso: null })
    .where('segundos_factores.confirmado_en', null)
    .returning('cuenta_id');
  if (!row) throw alreadyActive();
  return enrolmentData(deps, cuenta, secreto);
}

/** The pending secret, to show again (a reloaded page); undefined when there is none. */
export async function pendingEnrolment(deps: AppDeps, cuenta: Titular): Promise<Enrolment | undefined> {
  const row = await SegundoFactor.query(deps.db).findById(cuenta.cuentaId).whereNull('confirmado_en');
  return row ? enrolmentData(deps, cuenta, openSecret(deps.config, row)) : undefined;
}

async function accountMail(trx: Knex, deps: AppDeps, cuentaId: number, template: 'segundo-factor-activado' | 'segundo-factor-desactivado', now: Date) {
  const c = await Cuenta.query(trx).findById(cuentaId).throwIfNotFound();
  return queueMail(trx, deps.config, { evento: `${template}:${cuentaId}:${randomToken(9)}`, to: c.email, template, data: { nombre: displayName(c), fecha: fechaHora(now) } }, now);
}

/** Every enrolment and disabling: an audit row and a mail to the account (its outbox id). */
async function recordChange(trx: Knex, deps: AppDeps, cuenta: Titular, activo: boolean, now: Date) {
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

const confirmation = z.object({
  codigo: z.string({ error: 'Ingrese el código de 6 dígitos de su aplicación.' }).trim().regex(/^\d{6}$/, 'El código tiene 6 dígitos.'),
});

/** The first code confirms the pending secret: the factor is on, and ten recovery codes are shown once. */
export async function confirmEnrolment(deps: AppDeps, cuenta: Titular, input: unknown): Promise<{ codigosRecuperacion: string[] }> {
  const data = parse(confirmation, input);
  const now = deps.clock.now();
  const row = await SegundoFactor.query(deps.db).findById(cuenta.cuentaId);
  if (row?.confirmado_en) throw alreadyActive();
  if (!row) throw new AppError(409, 'SIN_ACTIVACION_PENDIENTE', 'Primero inicie la activación para obtener el código QR.');
  const step = await matchingStep(openSecret(deps.config, row), data.codigo, now);
  if (step === null) {
    throw badRequest('El código no es correcto. Revise que la hora de su teléfono sea la correcta e ingrese el código que muestra ahora.', 'codigo');
  }
  const codigos = newRecoveryCodes();
  const correoId = await deps.db.transaction(async (trx) => {
    const done = await SegundoFactor.query(trx)
      .where({ cuenta_id: cuenta.cuentaId, secreto_cifrado: row.secreto_cifrado })
      .whereNull('confirmado_en')
      .patch({ confirmado_en: now, ultimo_paso: step });
    if (!done) throw new AppError(409, 'SIN_ACTIVACION_PENDIENTE', 'La activación cambió mientras tanto. Recargue la página e intente nuevamente.');
    await CodigoRecuperacion.query(trx).where({ cuenta_id: cuenta.cuentaId }).delete();
    await CodigoRecuperacion.query(trx).insert(codigos.map((c) => ({ cuenta_id: cuenta.cuentaId, codigo_hash: recoveryCodeHash(c) })));
    return recordChange(trx, deps, cuenta, true, now);
  });
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
  return { codigosRecuperacion: codigos };
}

const disabling = z.object({
  password: z.string({ error: 'Ingrese su contraseña.' }).min(1, 'Ingrese su contraseña.').max(256),
  codigo,
});

/** Turns the factor off: needs the password and a code (TOTP or recovery); `ip` counts wrong codes. */
export async function disableSecondFactor(deps: AppDeps, cuenta: Titular, ip: string, input: unknown): Promise<void> {
  const data = parse(disabling, input);
  const { db, config } = deps;
  const now = deps.clock.now();
  const factor = await activeFactor(db, cuenta.cuentaId);
  if (!factor) throw new AppError(409, 'SEGUNDO_FACTOR_INACTIVO', 'La verificación en dos pasos no está activa.');
  const windowMs = config.accounts.loginWindowMinutes * 60_000;
  const passwordLimit = { key: `clave-actual:${cuenta.cuentaId}`, max: config.accounts.loginFailuresPerAccount, windowMs };
  const accountLimit = codeLimit(config, { cuentaId: cuenta.cuentaId });
  const wait = Math.max(await blockedFor(db, passwordLimit, now), await blockedFor(db, accountLimit, now));
  if (wait) throw tooMany(wait);
  const { password_hash } = await Cuenta.query(db).findById(cuenta.cuentaId).select('password_hash').throwIfNotFound();
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
    await DesafioSegundoFactor.query(trx).where({ cuenta_id: cuenta.cuentaId }).delete();
    await CodigoRecuperacion.query(trx).where({ cuenta_id: cuenta.cuentaId }).delete();
    await SegundoFactor.query(trx).deleteById(cuenta.cuentaId);
    return recordChange(trx, deps, cuenta, false, now);
  });
  await startMailDelivery(db, deps.temporal, config, correoId);
}

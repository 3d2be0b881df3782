// Passwords: a mailed link to set a new one (forgotten, or a new staff account's first), and the
// change of a logged-in account's password, which ends its other sessions and is mailed.
import type { Knex } from 'knex';
import { raw } from 'objection';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError, badRequest } from '../errors';
import { parse, whenValid } from '../validation';
import { blockedFor, hit, tooMany } from '../throttle';
import { startMailDelivery } from '../mail';
import { queueMail } from '../../lib/outbox';
import { hashPassword, randomToken, sha256, verifyPassword } from '../../lib/secrets';
import { Cuenta, EnlaceClave } from '../../lib/models';
import { displayName } from '../../domain/persona';
import { fechaHora } from '../../domain/formats';
import { ROL_LABEL, type CuentaPrincipal } from '../../domain/principal';
import { PASSWORDS_DIFFER, emailBuscado, password, passwordConfirmacion, passwordsMatch } from './campos';
import { endOtherSessions } from './sesiones';

/** Queues the mail with a new set-password link for `cuenta` inside `trx`; the outbox id to deliver. */
export async function issueResetLink(trx: Knex, deps: AppDeps, cuenta: Cuenta, template: 'clave-olvido' | 'cuenta-personal', now: Date) {
  const token = randomToken();
  const days = deps.config.accounts.resetLinkDays;
  const link = await EnlaceClave.query(trx).insert({ cuenta_id: cuenta.id, token_hash: sha256(token), creado_en: now, expira_en: new Date(now.getTime() + days * 86_400_000) });
  const enlace = `${deps.config.http.publicUrl}/clave/restablecer?token=${token}`;
  return queueMail(
    trx,
    deps.config,
    {
      evento: `${template}:${link.id}`,
      to: cuenta.email,
      template,
      data: { nombre: displayName(cuenta), enlace, vigenciaDias: days, rol: ROL_LABEL[cuenta.rol] ?? '' },
    },
    now,
  );
}

/** Mails a link to an active account; never tells whether the address is registered. */
export async function forgotPassword(deps: AppDeps, input: unknown, ip: string): Promise<void> {
  const { email } = parse(z.object({ email: emailBuscado }), input);
  const now = deps.clock.now();
  const ipWait = await hit(deps.db, { key: `olvido-ip:${ip}`, max: 10, windowMs: 3_600_000 }, now);
  if (ipWait) throw tooMany(ipWait);
  const cuenta = await Cuenta.query(deps.db).findOne({ email, activo: true });
  if (!cuenta) return;
  const wait = await hit(deps.db, { key: `olvido:${cuenta.id}`, max: 3, windowMs: 3_600_000 }, now);
  if (wait) return;
  const correoId = await deps.db.transaction((trx) => issueResetLink(trx, deps, cuenta, 'clave-olvido', now));
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
}

const TOKEN = /^[\w-]{20,100}$/;

const resetSchema = z
  .object({
    token: z.string({ error: 'El enlace no es válido.' }).regex(TOKEN, 'El enlace no es válido.'),
    password,
    passwordConfirmacion,
  })
  .refine(passwordsMatch, { message: PASSWORDS_DIFFER, path: ['passwordConfirmacion'], when: whenValid('password', 'passwordConfirmacion') });

/** Null when the link can be used; otherwise why not. */
export async function resetLinkProblem(deps: AppDeps, token: string): Promise<string | null> {
  const link = TOKEN.test(token) ? await EnlaceClave.query(deps.db).findOne({ token_hash: sha256(token) }) : undefined;
  if (!link) return 'El enlace no es válido. Solicite uno nuevo.';
  if (link.usado_en) return 'Este enlace ya fue usado. Si necesita cambiar su contraseña otra vez, solicite un enlace nuevo.';
  if (new Date(link.expira_en) <= deps.clock.now()) return 'El enlace venció. Solicite uno nuevo.';
  return null;
}

/** Sets the password through a link, which is spent; the account's sessions end. */
export async function resetPassword(deps: AppDeps, input: unknown): Promise<void> {
  const data = parse(resetSchema, input);
  const problem = await resetLinkProblem(deps, data.token);
  if (problem) throw new AppError(410, 'ENLACE_INVALIDO', problem);
  const now = deps.clock.now();
  const passwordHash = await hashPassword(data.password);
  await deps.db.transaction(async (trx) => {
    const [link] = await EnlaceClave.query(trx).where({ token_hash: sha256(data.token) }).whereNull('usado_en').patch({ usado_en: now }).returning('cuenta_id');
    if (!link) throw new AppError(410, 'ENLACE_INVALIDO', 'Este enlace ya fue usado.');
    // Following the link proves the address, so an unverified account becomes verified.
    await Cuenta.query(trx)
      .findById(link.cuenta_id)
      .patch({ password_hash: passwordHash, email_verificado_en: raw('coalesce(email_verificado_en, ?)', [now]), updated_at: now });
    await endOtherSessions(trx, link.cuenta_id);
  });
}

const changeSchema = z
  .object({
    passwordActual: z.string({ error: 'Ingrese su contraseña actual.' }).min(1, 'Ingrese su contraseña actual.'),
    password,
    passwordConfirmacion,
  })
  .refine(passwordsMatch, { message: PASSWORDS_DIFFER, path: ['passwordConfirmacion'], when: whenValid('password', 'passwordConfirmacion') })
  .refine((d) => d.password !== d.passwordActual, { message: 'La contraseña nueva debe ser distinta de la actual.', path: ['password'], when: whenValid('password', 'passwordActual') });

/** Changes the password with the current one; the other sessions end (this one stays). */
export async function changePassword(deps: AppDeps, p: CuentaPrincipal, input: unknown): Promise<void> {
  const data = parse(changeSchema, input);
  const now = deps.clock.now();
  const cuenta = await Cuenta.query(deps.db).findById(p.cuentaId).throwIfNotFound();
  const limit = { key: `clave-actual:${p.cuentaId}`, max: deps.config.accounts.loginFailuresPerAccount, windowMs: deps.config.accounts.loginWindowMinutes * 60_000 };
  const wait = await blockedFor(deps.db, limit, now);
  if (wait) throw tooMany(wait);
  if (!(await verifyPassword(cuenta.password_hash, data.passwordActual))) {
    await hit(deps.db, limit, now);
    throw badRequest('La contraseña actual no es correcta.', 'passwordActual');
  }
  const passwordHash = await hashPassword(data.password);
  const correoId = await deps.db.transaction(async (trx) => {
    await Cuenta.query(trx).findById(p.cuentaId).patch({ password_hash: passwordHash, updated_at: now });
    await endOtherSessions(trx, p.cuentaId, p.sessionHash);
    return queueMail(
      trx,
      deps.config,
      {
        evento: `clave-cambiada:${p.cuentaId}:${randomToken(9)}`,
        to: cuenta.email,
        template: 'clave-cambiada',
        data: { nombre: displayName(cuenta), fecha: fechaHora(now) },
      },
      now,
    );
  });
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
}

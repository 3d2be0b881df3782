// E-mail verification: a six-digit code mailed at registration (and again on request), confirmed
// once, with a limited number of attempts. Only an HMAC of each code is kept.
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError, badRequest } from '../errors';
import { parse } from '../validation';
import { hit, tooMany } from '../throttle';
import { startMailDelivery } from '../mail';
import { queueMail } from '../../lib/outbox';
import { hmac, sixDigitCode } from '../../lib/secrets';
import { CodigoVerificacion, Cuenta } from '../../lib/models';
import { displayName } from '../../domain/persona';
import { emailBuscado } from './campos';

/** Queues the mail with a new code for `cuenta` inside `trx`; the outbox id to deliver. */
export async function issueCode(trx: Knex, deps: AppDeps, cuenta: Pick<Cuenta, 'id' | 'email'> & Parameters<typeof displayName>[0], now: Date) {
  const codigo = sixDigitCode();
  const row = await CodigoVerificacion.query(trx).insert({
    cuenta_id: cuenta.id,
    codigo_hash: hmac(deps.config.secret, `${cuenta.id}:${codigo}`),
    creado_en: now,
    expira_en: new Date(now.getTime() + deps.config.accounts.codeHours * 3_600_000),
  });
  const enlace = `${deps.config.http.publicUrl}/cuentas/verificar?email=${encodeURIComponent(cuenta.email)}&codigo=${codigo}`;
  return queueMail(
    trx,
    deps.config,
    {
      evento: `verificacion:${row.id}`,
      to: cuenta.email,
      template: 'verificacion',
      data: { nombre: displayName(cuenta), codigo, enlace, vigenciaHoras: deps.config.accounts.codeHours },
    },
    now,
  );
}

const verification = z.object({
  email: emailBuscado,
  codigo: z.string({ error: 'Ingrese el código de 6 dígitos.' }).trim().regex(/^\d{6}$/, 'El código tiene 6 dígitos.'),
});

const exhausted = (max: number) => new AppError(429, 'CODIGO_AGOTADO', `Superó los ${max} intentos. Solicite un código nuevo.`);

/** Confirms the address with its latest code; `yaVerificado` when it was confirmed before. */
export async function verifyEmail(deps: AppDeps, input: unknown): Promise<{ yaVerificado: boolean }> {
  const { email, codigo } = parse(verification, input);
  const now = deps.clock.now();
  const wrong = () => badRequest('El código no es correcto.', 'codigo');
  const cuenta = await Cuenta.query(deps.db).findOne({ email }).select('id', 'email_verificado_en');
  if (!cuenta) throw wrong();
  if (cuenta.email_verificado_en) return { yaVerificado: true };
  const code = await CodigoVerificacion.query(deps.db).where({ cuenta_id: cuenta.id }).orderBy('creado_en', 'desc').orderBy('id', 'desc').first();
  if (!code || code.usado_en) throw wrong();
  if (new Date(code.expira_en) <= now) throw new AppError(410, 'CODIGO_VENCIDO', 'El código venció. Solicite uno nuevo.');
  const max = deps.config.accounts.codeAttempts;
  if (code.intentos >= max) throw exhausted(max);
  if (code.codigo_hash !== hmac(deps.config.secret, `${cuenta.id}:${codigo}`)) {
    const [{ intentos }] = await CodigoVerificacion.query(deps.db).where({ id: code.id }).increment('intentos', 1).returning('intentos');
    const left = max - intentos;
    if (left <= 0) throw exhausted(max);
    throw badRequest(`El código no es correcto. Le ${left === 1 ? 'queda 1 intento' : `quedan ${left} intentos`}.`, 'codigo');
  }
  await deps.db.transaction(async (trx) => {
    await CodigoVerificacion.query(trx).findById(code.id).patch({ usado_en: now });
    await Cuenta.query(trx).findById(cuenta.id).patch({ email_verificado_en: now, updated_at: now });
  });
  return { yaVerificado: false };
}

/** Mails a new code, at most once per `resendSeconds`; the same answer whether or not the address is registered. */
export async function resendCode(deps: AppDeps, input: unknown): Promise<void> {
  const { email } = parse(z.object({ email: emailBuscado }), input);
  const now = deps.clock.now();
  const cuenta = await Cuenta.query(deps.db).findOne({ email });
  if (!cuenta || cuenta.email_verificado_en) return;
  const wait = await hit(deps.db, { key: `reenvio:${cuenta.id}`, max: 1, windowMs: deps.config.accounts.resendSeconds * 1000 }, now);
  if (wait) throw tooMany(wait, 'Ya le enviamos un código hace un momento.');
  const correoId = await deps.db.transaction((trx) => issueCode(trx, deps, cuenta, now));
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
}

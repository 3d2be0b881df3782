// The authenticator app of the tests: computes TOTP codes as a phone would, from the account's
// secret and the clock the stack runs on. The server accepts each time step once per account,
// so a second login of the same account inside one 30-second step waits for the next step.
import { generate } from 'otplib';
import { loadConfig } from '../../lib/config';
import { systemClock, type Clock } from '../../lib/clock';
import { TOTP_PERIOD_SECONDS, timeStepAt } from '../../lib/totp';
import { until } from './wait';

/** The demo admin's secret in every test database (lib/config.ts default, seeded by createTestDb). */
export const DEMO_TOTP_SECRET = loadConfig({}).security.demoTotpSecret;
export const DEMO_ADMIN = 'admin@demo.gob.pe';

const secrets = new Map<string, string>();
const clocks = new Map<string, Clock>();
const lastStep = new Map<string, number>();
const key = (base: string, usuario: string) => `${base}|${usuario.toLowerCase()}`;

/** The stack at `base` runs on `clock` (startStack registers it). */
export function useClock(base: string, clock: Clock) {
  clocks.set(base, clock);
}

export const clockOf = (base: string) => clocks.get(base) ?? systemClock;

/** Remembers the secret an account of the stack at `base` enrolled with. */
export function rememberSecret(base: string, usuario: string, secret: string) {
  secrets.set(key(base, usuario), secret);
}

export function forgetSecret(base: string, usuario: string) {
  secrets.set(key(base, usuario), '');
}

export function secretOf(base: string, usuario: string): string | undefined {
  const s = secrets.get(key(base, usuario));
  if (s !== undefined) return s || undefined;
  return usuario.toLowerCase() === DEMO_ADMIN ? DEMO_TOTP_SECRET : undefined;
}

/** The code an app shows at `at` (no bookkeeping: for wrong, replayed or drifted codes). */
export const codeAt = (secret: string, at: Date) => generate({ secret, epoch: timeStepAt(at) * TOTP_PERIOD_SECONDS });

/** Six digits that are no code of `secret` within a step of `at` (a wrong code for sure). */
export async function wrongCodeAt(secret: string, at: Date) {
  const near = await Promise.all([-1, 0, 1].map((d) => codeAt(secret, new Date(at.getTime() + d * TOTP_PERIOD_SECONDS * 1000))));
  let n = 123456;
  while (near.includes(String(n))) n += 1;
  return String(n);
}

/**
 * A code for a time step this account has not used yet at the stack at `base`: the current one,
 * or, when a login in this test file already used it, the next one once the clock gets there.
 */
export async function freshCode(base: string, usuario: string, secret = secretOf(base, usuario)): Promise<string> {
  if (!secret) throw new Error(`${usuario} no tiene un segundo factor conocido por las pruebas`);
  const clock = clockOf(base);
  const k = key(base, usuario);
  const used = () => lastStep.get(k) ?? -1;
  if (timeStepAt(clock.now()) <= used() && clock !== systemClock) {
    throw new Error(`${usuario} ya usó el código de este paso de 30 s: avance el reloj de la prueba`);
  }
  // Checked again after each wait, then taken at once: two logins never get the same step.
  do await until(() => timeStepAt(clock.now()) > used(), 250);
  while (timeStepAt(clock.now()) <= used());
  const step = timeStepAt(clock.now());
  lastStep.set(k, step);
  return generate({ secret, epoch: step * TOTP_PERIOD_SECONDS });
}

/** Records that the server accepted this account's code of `at`'s step by another way. */
export function markUsed(base: string, usuario: string, at: Date) {
  const k = key(base, usuario);
  lastStep.set(k, Math.max(lastStep.get(k) ?? -1, timeStepAt(at)));
}

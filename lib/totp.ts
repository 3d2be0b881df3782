// The TOTP second factor (RFC 6238) with otplib: secrets, the otpauth:// URI and its QR code, the
// time step a code belongs to, and the recovery codes. Time comes from the caller (the injected clock).
import { randomInt } from 'node:crypto';
import { generateSecret, generateURI, verify } from 'otplib';
import QRCode from 'qrcode';
import { sha256 } from './secrets';

/** Seconds per code, as every authenticator app uses. */
export const TOTP_PERIOD_SECONDS = 30;
/** Steps accepted on either side of the current one: a phone's clock may drift. */
const DRIFT_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;

export const timeStepAt = (at: Date) => Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);

/** 20 random bytes in base32 (160 bits, RFC 4226's recommendation). */
export const newTotpSecret = () => generateSecret();

/** The name an authenticator app shows above the account. */
export const totpIssuer = (config: { institution: { shortName: string } }) => `Mesa de Partes ${config.institution.shortName}`;

export const otpauthUrl = (secret: string, account: string, issuer: string) => generateURI({ issuer, label: account, secret });

/** The QR code of an otpauth:// URI as a PNG data: URL (the CSP allows `img-src data:`). */
export const qrDataUrl = (url: string) => QRCode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 2, width: 232 });

export const isTotpCode = (code: string) => /^\d{6}$/.test(code);

/** The time step whose code `code` is, within the drift window around `at`; null when none. */
export async function matchingStep(secret: string, code: string, at: Date): Promise<number | null> {
  if (!isTotpCode(code)) return null;
  const r = await verify({ secret, token: code, epoch: Math.floor(at.getTime() / 1000), epochTolerance: DRIFT_STEPS * TOTP_PERIOD_SECONDS });
  if (!r.valid) return null;
  return 'timeStep' in r ? r.timeStep : timeStepAt(at) + r.delta;
}

// No 0/O or 1/I: the codes are copied by hand from paper.
const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Ten single-use codes of 50 random bits each, shown as «ABCDE-FGHJK». */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const c = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    return `${c.slice(0, 5)}-${c.slice(5)}`;
  });
}

/** What is stored of a recovery code: random and high-entropy, so a plain SHA-256 suffices. */
export const recoveryCodeHash = (code: string) => sha256(code.toUpperCase().replace(/[\s-]/g, ''));

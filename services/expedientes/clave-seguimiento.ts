// The tracking password (clave de seguimiento) a filer gets with the cargo: shown once, stored as
// an HMAC keyed by the case's verification code, which exists before the number does (the number
// is taken in the same statement that stores the hash).
import { hmac, randomToken, sameString } from '../../lib/secrets';
import type { Config } from '../../lib/config';

/** Eight capital letters and digits, easy to type from a printed cargo. */
export const nuevaClave = () => randomToken(6).replace(/[-_]/g, 'x').slice(0, 8).toUpperCase();

export const claveHash = (config: Config, codigoVerificacion: string, clave: string) => hmac(config.secret, `clave:${codigoVerificacion}:${clave}`);

// Cases filed before 2026-11-23 keyed it by their number.
const legacyClaveHash = (config: Config, numero: string, clave: string) => hmac(config.secret, `clave:${numero}:${clave}`);

/** True when `clave` (any case) is the case's tracking password. */
export function claveCorrecta(config: Config, c: { numero: string; codigo_verificacion: string | null; clave_hash: string | null }, clave: string): boolean {
  if (!c.clave_hash) return false;
  const upper = clave.toUpperCase();
  return sameString(c.clave_hash, claveHash(config, String(c.codigo_verificacion), upper)) || sameString(c.clave_hash, legacyClaveHash(config, c.numero, upper));
}

/**
 * Identity documents, RUC, passwords and e-mail addresses (DESIGN.md, "Identity documents").
 *
 * Pure module: no I/O, no clock, no randomness. Every validator returns `null` when the value is
 * valid and otherwise the Spanish (es-PE) message a person would read. Checks against
 * RENIEC/SUNAT belong to the adapter elsewhere; here only the format is checked.
 *
 * RUC check digit (modulo 11), worked by hand for 20131312955:
 *   digits  2  0  1  3  1  3  1  2  9  5
 *   weights 5  4  3  2  7  6  5  4  3  2
 *   products 10+0+3+6+7+18+5+8+27+10 = 94;  94 mod 11 = 6;  11 − 6 = 5  → 20131312955 ✓
 * The two special cases: a result of 10 becomes 0 and a result of 11 becomes 1, e.g.
 *   2010007097 → 10+0+3+0+0+0+35+0+27+14 = 89; 89 mod 11 = 1; 11 − 1 = 10 → 0 → 20100070970
 *   1012345678 → 5+0+3+4+21+24+25+24+21+16 = 143; 143 mod 11 = 0; 11 − 0 = 11 → 1 → 10123456781
 */

export type TipoDocumento = 'DNI' | 'CE' | 'PTP';

/** Identity documents of a persona natural, in the order forms list them. */
export const TIPOS_DOCUMENTO: readonly TipoDocumento[] = Object.freeze(['DNI', 'CE', 'PTP'] as const);

/** How many digits each identity document has. */
const DIGITOS_DOCUMENTO: Readonly<Record<TipoDocumento, number>> = Object.freeze({
  DNI: 8,
  CE: 9,
  PTP: 9,
});

export function isTipoDocumento(tipo: unknown): tipo is TipoDocumento {
  return typeof tipo === 'string' && (TIPOS_DOCUMENTO as readonly string[]).includes(tipo);
}

/** `null` when `numero` is a well-formed document of type `tipo`, else a Spanish message. */
export function validateDocumento(tipo: string, numero: string): string | null {
  if (!isTipoDocumento(tipo)) {
    return 'El tipo de documento no es válido. Use DNI, CE o PTP.';
  }
  const digitos = DIGITOS_DOCUMENTO[tipo];
  if (typeof numero !== 'string' || !new RegExp(`^[0-9]{${digitos}}$`).test(numero)) {
    return `El ${tipo} debe tener ${digitos} dígitos.`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// RUC
// ---------------------------------------------------------------------------------------------

const RUC_PESOS = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;
export const RUC_PREFIJOS: readonly string[] = Object.freeze(['10', '15', '17', '20']);

/**
 * Modulo-11 check digit of a RUC from its first 10 digits.
 * Throws a RangeError when `first10` is not exactly 10 ASCII digits (a programming error: call
 * it only on checked input).
 */
export function rucCheckDigit(first10: string): number {
  if (typeof first10 !== 'string' || !/^[0-9]{10}$/.test(first10)) {
    throw new RangeError('rucCheckDigit expects exactly 10 digits');
  }
  let sum = 0;
  for (let i = 0; i < 10; i++) {
    sum += (first10.charCodeAt(i) - 48) * RUC_PESOS[i]!;
  }
  const check = 11 - (sum % 11);
  if (check === 10) return 0;
  if (check === 11) return 1;
  return check;
}

/** `null` when `ruc` is a well-formed RUC, else a Spanish message saying what is wrong. */
export function validateRuc(ruc: string): string | null {
  if (typeof ruc !== 'string' || ruc.length === 0) {
    return 'Ingrese el número de RUC.';
  }
  if (!/^[0-9]+$/.test(ruc)) {
    return 'El RUC solo debe contener dígitos.';
  }
  if (ruc.length !== 11) {
    return 'El RUC debe tener 11 dígitos.';
  }
  if (!RUC_PREFIJOS.includes(ruc.slice(0, 2))) {
    return 'El RUC debe empezar con 10, 15, 17 o 20.';
  }
  if (rucCheckDigit(ruc.slice(0, 10)) !== ruc.charCodeAt(10) - 48) {
    return 'El RUC no es válido: el dígito verificador no corresponde.';
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Joins Spanish list items: "a", "a y b", "a, b y c". */
function listaEs(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} y ${items[items.length - 1]}`;
}

/**
 * `null` when the password meets the policy: 8 to 128 characters with an upper-case letter, a
 * lower-case letter and a digit (letters may be accented, e.g. "Ñ", "é"). Otherwise a message
 * listing everything that is missing. Length is counted in characters (code points).
 */
export function validatePassword(password: string): string | null {
  if (typeof password !== 'string' || password.length === 0) {
    return 'Ingrese una contraseña.';
  }
  const length = [...password].length;
  if (length > PASSWORD_MAX_LENGTH) {
    return `La contraseña no puede tener más de ${PASSWORD_MAX_LENGTH} caracteres.`;
  }
  const faltan: string[] = [];
  if (length < PASSWORD_MIN_LENGTH) faltan.push(`al menos ${PASSWORD_MIN_LENGTH} caracteres`);
  if (!/\p{Lu}/u.test(password)) faltan.push('una letra mayúscula');
  if (!/\p{Ll}/u.test(password)) faltan.push('una letra minúscula');
  if (!/[0-9]/.test(password)) faltan.push('un número');
  if (faltan.length > 0) {
    return `La contraseña debe tener ${listaEs(faltan)}.`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------------------

export const EMAIL_MAX_LENGTH = 254;

/** Canonical form in which addresses are stored and compared: trimmed and lower-case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

// Local part: "dot-atom" characters (letters may be non-ASCII), no leading/trailing/double dot.
const LOCAL_RE = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
// A domain label: letters/digits/hyphens, not starting or ending with a hyphen, at most 63.
const LABEL_RE = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
// Top-level domain: letters only (or an IDN "xn--" label), at least 2.
const TLD_RE = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/iu;

/**
 * Pragmatic e-mail check (not full RFC 5322): one "@", a local part of at most 64 characters
 * without spaces, quotes or consecutive dots, and a domain with at least two labels whose last
 * one is alphabetic. Surrounding spaces are ignored (the address is checked as `normalizeEmail`
 * would store it); at most 254 characters.
 */
export function validateEmail(email: string): string | null {
  if (typeof email !== 'string' || email.trim().length === 0) {
    return 'Ingrese su correo electrónico.';
  }
  const value = email.trim();
  if ([...value].length > EMAIL_MAX_LENGTH) {
    return `El correo electrónico no puede tener más de ${EMAIL_MAX_LENGTH} caracteres.`;
  }
  const invalido = 'El correo electrónico no es válido.';
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return invalido;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if ([...local].length > 64 || !LOCAL_RE.test(local)) return invalido;
  const labels = domain.split('.');
  if (labels.length < 2) return invalido;
  if (!labels.every((label) => LABEL_RE.test(label))) return invalido;
  if (!TLD_RE.test(labels[labels.length - 1]!)) return invalido;
  return null;
}

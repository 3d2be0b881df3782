// The form fields accounts share (registration, profile, passwords, staff): zod pieces with their
// Spanish messages, so every use case words a bad value the same way.
import { UniqueViolationError } from 'objection';
import { z } from 'zod';
import { text } from '../validation';
import { normalizeEmail, validateEmail, validatePassword } from '../../domain/identity';

/** A domain validator (message or null) as a zod refinement. */
export const check = (fn: (v: string) => string | null) => (v: string, ctx: z.RefinementCtx) => {
  const m = fn(v);
  if (m) ctx.addIssue({ code: 'custom', message: m });
};

export const email = z.string({ error: 'Ingrese su correo electrónico.' }).trim().superRefine(check(validateEmail)).transform(normalizeEmail);
/** An address typed to find an account: normalised, not judged (a wrong one simply finds none). */
export const emailBuscado = z.string({ error: 'Ingrese su correo electrónico.' }).trim().transform(normalizeEmail);
export const password = z.string({ error: 'Ingrese una contraseña.' }).superRefine(check(validatePassword));
export const passwordConfirmacion = z.string({ error: 'Confirme su contraseña.' });
export const telefono = z
  .string({ error: 'Ingrese un teléfono.' })
  .trim()
  .regex(/^\+?[\d\s-]{6,20}$/, 'El teléfono debe tener entre 6 y 15 dígitos.');
export const direccion = z.string().trim().max(300, 'La dirección no puede tener más de 300 caracteres.');
export const domicilioFiscal = text('el domicilio fiscal', 5, 300);
export const nombre = (label: string) =>
  text(label, 1, 100).regex(/^[\p{L}\p{M}' .-]+$/u, `${label[0].toUpperCase()}${label.slice(1)} solo puede tener letras.`);

/** The refinement of a form with a password typed twice. */
export const passwordsMatch = (d: { password: string; passwordConfirmacion: string }) => d.password === d.passwordConfirmacion;
export const PASSWORDS_DIFFER = 'Las contraseñas no coinciden.';

/** A unique index refused the row (a duplicate e-mail or document); objection wraps pg's 23505. */
export const isUniqueViolation = (err: unknown) => err instanceof UniqueViolationError || (err as { code?: string }).code === '23505';

// Checks a use case's input against a zod schema; the first problem becomes a 400 naming the field.
import { z } from 'zod';
import { badRequest } from './errors';

export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.join('.');
  throw badRequest(issue.message, field || undefined);
}

/** A required text field with Spanish messages. */
export const text = (label: string, min: number, max: number) =>
  z
    .string({ error: `Ingrese ${label}.` })
    .trim()
    .min(min, min <= 1 ? `Ingrese ${label}.` : `${capitalize(label)} debe tener al menos ${min} caracteres.`)
    .max(max, `${capitalize(label)} no puede tener más de ${max} caracteres.`);

function capitalize(s: string) {
  const t = s.replace(/^(el|la|los|las|su) /, '');
  return t.charAt(0).toUpperCase() + t.slice(1);
}

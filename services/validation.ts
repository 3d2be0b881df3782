// Checks a use case's input against a zod schema; every field with a problem is named at once
// (a 400 listing them in the order of the fields), so a form can mark all of them together.
import { z } from 'zod';
import { AppError } from './errors';

/** One field with a problem: its path (`representante.numeroDocumento`) and what is wrong. */
export interface FieldProblem {
  campo: string;
  message: string;
}

/** A 400 that names every field with a problem; the first is also the error's own message and field. */
export class InvalidFields extends AppError {
  constructor(readonly campos: FieldProblem[]) {
    super(400, 'SOLICITUD_INVALIDA', campos[0].message, campos[0].campo || undefined);
  }
}

export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const r = schema.safeParse(input ?? {});
  if (r.success) return r.data;
  const order = fieldOrder(schema, input);
  const rank = (path: string) => {
    if (!path) return -1; // about the whole form: first
    for (let p = path; p; p = p.slice(0, Math.max(p.lastIndexOf('.'), 0))) {
      const i = order.indexOf(p);
      if (i >= 0) return i;
    }
    return order.length;
  };
  const seen = new Set<string>();
  const campos: FieldProblem[] = [];
  for (const issue of r.error.issues) {
    const campo = issue.path.join('.');
    if (seen.has(campo)) continue; // a field's first problem is the one to fix first
    seen.add(campo);
    campos.push({ campo, message: issue.message });
  }
  throw new InvalidFields(campos.map((c, i) => ({ c, i, r: rank(c.campo) })).sort((a, b) => a.r - b.r || a.i - b.i).map(({ c }) => c));
}

/**
 * For a check across fields (`superRefine`, `refine`): run it whenever those fields are valid by
 * themselves, even when other fields are not (zod skips it otherwise, and the form would need a
 * second submit to learn that the passwords differ).
 */
export const whenValid =
  (...keys: string[]) =>
  (payload: z.core.ParsePayload) => {
    const value = payload.value as Record<string, unknown> | undefined;
    return !!value && keys.every((k) => value[k] !== undefined && !payload.issues.some((i) => i.path?.[0] === k));
  };

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

// ---------------------------------------------------------------------------------------------

/** What fieldOrder reads of a schema's definition (zod's own `_zod.def`). */
interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
  out?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/**
 * The fields of a schema in the order it declares them (which is the order of the form), nested
 * ones as `parent.child`; of a discriminated union, the branch the input chose.
 */
function fieldOrder(schema: z.ZodType, input: unknown, prefix = ''): string[] {
  const def = defOf(schema);
  const value = input && typeof input === 'object' ? (input as Record<string, unknown>) : {};
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape ?? {}).flatMap(([k, child]) => [prefix + k, ...fieldOrder(child, value[k], `${prefix}${k}.`)]);
    case 'pipe':
      return [...fieldOrder(def.in!, input, prefix), ...fieldOrder(def.out!, input, prefix)];
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'catch':
    case 'readonly':
    case 'nonoptional':
      return fieldOrder(def.innerType!, input, prefix);
    case 'union': {
      const options = def.options ?? [];
      const key = def.discriminator;
      const chosen = key ? options.filter((o) => defOf(o).shape?.[key] && defOf(defOf(o).shape![key]).values?.includes(value[key])) : [];
      return (chosen.length ? chosen : options).flatMap((o) => fieldOrder(o, input, prefix));
    }
    default:
      return [];
  }
}

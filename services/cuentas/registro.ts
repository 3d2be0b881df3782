// Registration of a persona natural or jurídica: the identity registry confirms the document (and
// the representative's), the consents are kept (Ley 31736), and a code to verify the address is mailed.
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { AppError } from '../errors';
import { parse, text, whenValid } from '../validation';
import { startMailDelivery } from '../mail';
import { IdentityRegistryUnavailable } from '../../lib/identity-registry';
import { hashPassword } from '../../lib/secrets';
import { Consentimiento, Cuenta } from '../../lib/models';
import { normalizeEmail, validateDocumento, validateRuc } from '../../domain/identity';
import { check, direccion, domicilioFiscal, email, isUniqueViolation, nombre, password, passwordConfirmacion, telefono } from './campos';
import { issueCode } from './verificacion-email';

const accepted = (what: string) => z.literal(true, { error: `Debe aceptar ${what}.` });
const boolish = (v: unknown) => (v === 'on' || v === 'true' || v === '1' ? true : v);
const tipoDocumento = z.enum(['DNI', 'CE', 'PTP'], { error: 'Elija el tipo de documento: DNI, CE o PTP.' });

const documentoRefine = (d: { tipoDocumento: string; numeroDocumento: string }, ctx: z.RefinementCtx) => {
  const m = validateDocumento(d.tipoDocumento, d.numeroDocumento);
  if (m) ctx.addIssue({ code: 'custom', message: m, path: ['numeroDocumento'] });
};

const common = {
  email,
  emailConfirmacion: z.string({ error: 'Confirme su correo electrónico.' }).trim().transform(normalizeEmail),
  password,
  passwordConfirmacion,
  aceptaTerminos: z.preprocess(boolish, accepted('los términos y condiciones')),
  aceptaPrivacidad: z.preprocess(boolish, accepted('la política de privacidad')),
  aceptaCasilla: z.preprocess(boolish, accepted('la notificación por casilla electrónica (Ley 31736)')),
};

const natural = z
  .object({
    tipoPersona: z.literal('NATURAL'),
    tipoDocumento,
    numeroDocumento: z.string({ error: 'Ingrese el número de documento.' }).trim(),
    nombres: nombre('los nombres'),
    apellidoPaterno: nombre('el apellido paterno'),
    apellidoMaterno: nombre('el apellido materno'),
    fechaNacimiento: z
      .string({ error: 'Ingrese su fecha de nacimiento.' })
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'La fecha de nacimiento debe tener el formato AAAA-MM-DD.'),
    telefono,
    direccion: direccion.optional(),
    ...common,
  })
  .superRefine(documentoRefine, { when: whenValid('tipoDocumento', 'numeroDocumento') });

const representante = z
  .object({
    tipoDocumento,
    numeroDocumento: z.string({ error: 'Ingrese el número de documento del representante.' }).trim(),
    nombres: nombre('los nombres del representante'),
    apellidoPaterno: nombre('el apellido paterno del representante'),
    apellidoMaterno: nombre('el apellido materno del representante'),
    telefono,
  }, { error: 'Ingrese los datos del representante.' })
  .superRefine(documentoRefine, { when: whenValid('tipoDocumento', 'numeroDocumento') });

const juridica = z.object({
  tipoPersona: z.literal('JURIDICA'),
  ruc: z.string({ error: 'Ingrese el número de RUC.' }).trim().superRefine(check(validateRuc)),
  razonSocial: text('la razón social', 2, 200),
  domicilioFiscal,
  telefono,
  representante,
  ...common,
});

// Each check across fields runs as soon as its own fields are valid, whatever else is wrong.
const registration = z
  .discriminatedUnion('tipoPersona', [natural, juridica], { error: 'Elija el tipo de persona: NATURAL o JURIDICA.' })
  .refine((d) => d.email === d.emailConfirmacion, { message: 'Los correos electrónicos no coinciden.', path: ['emailConfirmacion'], when: whenValid('email', 'emailConfirmacion') })
  .refine((d) => d.password === d.passwordConfirmacion, { message: 'Las contraseñas no coinciden.', path: ['passwordConfirmacion'], when: whenValid('password', 'passwordConfirmacion') })
  .refine(
    (d) => {
      if (d.tipoPersona !== 'NATURAL') return true;
      const born = Date.parse(`${d.fechaNacimiento}T00:00:00Z`);
      return !Number.isNaN(born) && born <= Date.now() && born >= Date.parse('1900-01-01');
    },
    { message: 'La fecha de nacimiento no es válida.', path: ['fechaNacimiento'], when: whenValid('fechaNacimiento') },
  );

export type Registration = z.infer<typeof registration>;

const DUPLICATE = 'Ya existe una cuenta con esos datos. Inicie sesión o recupere su contraseña.';

/** A registry that can't be reached is a 503 the person can retry, never a rejection. */
async function registry<T>(fn: () => Promise<T>) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof IdentityRegistryUnavailable) throw new AppError(503, 'REGISTRO_NO_DISPONIBLE', err.message);
    throw err;
  }
}

async function checkIdentity(deps: AppDeps, data: Registration) {
  const verdict =
    data.tipoPersona === 'NATURAL'
      ? await registry(() => deps.identity.checkPersona(data.tipoDocumento, data.numeroDocumento))
      : await registry(() => deps.identity.checkRuc(data.ruc));
  if (!verdict.ok) throw new AppError(422, 'IDENTIDAD_RECHAZADA', verdict.motivo, data.tipoPersona === 'NATURAL' ? 'numeroDocumento' : 'ruc');
  if (data.tipoPersona === 'JURIDICA') {
    const rep = data.representante;
    const v = await registry(() => deps.identity.checkPersona(rep.tipoDocumento, rep.numeroDocumento));
    if (!v.ok) throw new AppError(422, 'IDENTIDAD_RECHAZADA', v.motivo, 'representante.numeroDocumento');
  }
}

/** The columns of a citizen's new account, by kind of person. */
function accountColumns(data: Registration) {
  return data.tipoPersona === 'NATURAL'
    ? {
        tipo_persona: 'NATURAL' as const,
        tipo_documento: data.tipoDocumento,
        numero_documento: data.numeroDocumento,
        nombres: data.nombres,
        apellido_paterno: data.apellidoPaterno,
        apellido_materno: data.apellidoMaterno,
        fecha_nacimiento: data.fechaNacimiento,
        telefono: data.telefono,
        direccion: data.direccion || null,
      }
    : {
        tipo_persona: 'JURIDICA' as const,
        tipo_documento: 'RUC',
        numero_documento: data.ruc,
        razon_social: data.razonSocial,
        domicilio_fiscal: data.domicilioFiscal,
        telefono: data.telefono,
        representante: data.representante,
      };
}

/** A citizen's account, unverified until the mailed code comes back; `ip` is kept with the consents. */
export async function register(deps: AppDeps, input: unknown, ip: string): Promise<{ email: string }> {
  const data = parse(registration, input);
  const now = deps.clock.now();
  await checkIdentity(deps, data);
  const passwordHash = await hashPassword(data.password);
  let correoId: number | undefined;
  try {
    correoId = await deps.db.transaction(async (trx) => {
      const cuenta = await Cuenta.query(trx).insert({
        ...accountColumns(data),
        rol: 'ciudadano',
        email: data.email,
        password_hash: passwordHash,
        created_at: now,
        updated_at: now,
      });
      await Consentimiento.query(trx).insert(
        (['TERMINOS', 'PRIVACIDAD', 'CASILLA'] as const).map((tipo) => ({ cuenta_id: cuenta.id, tipo, version: deps.config.accounts.legalVersion, aceptado_en: now, ip })),
      );
      return issueCode(trx, deps, cuenta, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError(409, 'CUENTA_EXISTENTE', DUPLICATE);
    throw err;
  }
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
  return { email: data.email };
}

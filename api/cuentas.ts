// Accounts: registration (persona natural / jurídica), email verification, login, passwords,
// profile, staff accounts and API tokens. The same functions serve the JSON API and the pages.
import type { Context } from 'koa';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { AppDeps } from './app';
import { HttpError, badRequest } from './errors';
import { parse, text } from './validation';
import { startMailDelivery } from './mail';
import { queueMail } from '../lib/outbox';
import { recordAudit } from '../lib/audit';
import { blockedFor, clear, hit, tooMany } from './auth/throttle';
import { displayName, endOtherSessions, openSession, type Rol } from './auth/session';
import { hasSecondFactor, issueChallenge, requiresSecondFactor } from './segundo-factor';
import { IdentityRegistryUnavailable } from '../lib/identity-registry';
import { dummyHash, hashPassword, hmac, randomToken, sha256, sixDigitCode, verifyPassword } from '../lib/secrets';
import { normalizeEmail, validateDocumento, validateEmail, validatePassword, validateRuc } from '../domain/identity';
import { fechaHora } from '../web/render';

// ---------- validation ----------

const check = (fn: (v: string) => string | null) => (v: string, ctx: z.RefinementCtx) => {
  const m = fn(v);
  if (m) ctx.addIssue({ code: 'custom', message: m });
};
const email = z.string({ error: 'Ingrese su correo electrónico.' }).trim().superRefine(check(validateEmail)).transform(normalizeEmail);
const password = z.string({ error: 'Ingrese una contraseña.' }).superRefine(check(validatePassword));
const telefono = z
  .string({ error: 'Ingrese un teléfono.' })
  .trim()
  .regex(/^\+?[\d\s-]{6,20}$/, 'El teléfono debe tener entre 6 y 15 dígitos.');
const accepted = (what: string) => z.literal(true, { error: `Debe aceptar ${what}.` });
const boolish = (v: unknown) => (v === 'on' || v === 'true' || v === '1' ? true : v);
const tipoDocumento = z.enum(['DNI', 'CE', 'PTP'], { error: 'Elija el tipo de documento: DNI, CE o PTP.' });
const nombre = (label: string) => text(label, 1, 100).regex(/^[\p{L}\p{M}' .-]+$/u, `${label[0].toUpperCase()}${label.slice(1)} solo puede tener letras.`);

const documentoRefine = (d: { tipoDocumento: string; numeroDocumento: string }, ctx: z.RefinementCtx) => {
  const m = validateDocumento(d.tipoDocumento, d.numeroDocumento);
  if (m) ctx.addIssue({ code: 'custom', message: m, path: ['numeroDocumento'] });
};

const common = {
  email,
  emailConfirmacion: z.string({ error: 'Confirme su correo electrónico.' }).trim().transform(normalizeEmail),
  password,
  passwordConfirmacion: z.string({ error: 'Confirme su contraseña.' }),
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
    direccion: z.string().trim().max(300, 'La dirección no puede tener más de 300 caracteres.').optional(),
    ...common,
  })
  .superRefine(documentoRefine);

const representante = z
  .object({
    tipoDocumento,
    numeroDocumento: z.string({ error: 'Ingrese el número de documento del representante.' }).trim(),
    nombres: nombre('los nombres del representante'),
    apellidoPaterno: nombre('el apellido paterno del representante'),
    apellidoMaterno: nombre('el apellido materno del representante'),
    telefono,
  }, { error: 'Ingrese los datos del representante.' })
  .superRefine(documentoRefine);

const juridica = z.object({
  tipoPersona: z.literal('JURIDICA'),
  ruc: z.string({ error: 'Ingrese el número de RUC.' }).trim().superRefine(check(validateRuc)),
  razonSocial: text('la razón social', 2, 200),
  domicilioFiscal: text('el domicilio fiscal', 5, 300),
  telefono,
  representante,
  ...common,
});

const registration = z
  .discriminatedUnion('tipoPersona', [natural, juridica], { error: 'Elija el tipo de persona: NATURAL o JURIDICA.' })
  .superRefine((d, ctx) => {
    if (d.email !== d.emailConfirmacion) ctx.addIssue({ code: 'custom', message: 'Los correos electrónicos no coinciden.', path: ['emailConfirmacion'] });
    if (d.password !== d.passwordConfirmacion) ctx.addIssue({ code: 'custom', message: 'Las contraseñas no coinciden.', path: ['passwordConfirmacion'] });
    if (d.tipoPersona === 'NATURAL') {
      const born = Date.parse(`${d.fechaNacimiento}T00:00:00Z`);
      if (Number.isNaN(born) || born > Date.now() || born < Date.parse('1900-01-01')) {
        ctx.addIssue({ code: 'custom', message: 'La fecha de nacimiento no es válida.', path: ['fechaNacimiento'] });
      }
    }
  });

export type Registration = z.infer<typeof registration>;

// ---------- helpers ----------

const DUPLICATE = 'Ya existe una cuenta con esos datos. Inicie sesión o recupere su contraseña.';

function identityCheck(deps: AppDeps) {
  return async <T>(fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof IdentityRegistryUnavailable) throw new HttpError(503, 'REGISTRO_NO_DISPONIBLE', err.message);
      throw err;
    }
  };
}

async function issueCode(trx: Knex, deps: AppDeps, cuenta: { id: number; email: string; nombre: string }, now: Date) {
  const codigo = sixDigitCode();
  const [row] = await trx('codigos_verificacion')
    .insert({
      cuenta_id: cuenta.id,
      codigo_hash: hmac(deps.config.secret, `${cuenta.id}:${codigo}`),
      creado_en: now,
      expira_en: new Date(now.getTime() + deps.config.accounts.codeHours * 3_600_000),
    })
    .returning('id');
  const enlace = `${deps.config.http.publicUrl}/cuentas/verificar?email=${encodeURIComponent(cuenta.email)}&codigo=${codigo}`;
  return queueMail(
    trx,
    deps.config,
    {
      evento: `verificacion:${row.id}`,
      to: cuenta.email,
      template: 'verificacion',
      data: { nombre: cuenta.nombre, codigo, enlace, vigenciaHoras: deps.config.accounts.codeHours },
    },
    now,
  );
}

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

// ---------- registration and verification ----------

export async function register(deps: AppDeps, input: unknown, ip: string) {
  const data = parse(registration, input);
  const now = deps.clock.now();
  const guard = identityCheck(deps);
  const verdict =
    data.tipoPersona === 'NATURAL'
      ? await guard(() => deps.identity.checkPersona(data.tipoDocumento, data.numeroDocumento))
      : await guard(() => deps.identity.checkRuc(data.ruc));
  if (!verdict.ok) throw new HttpError(422, 'IDENTIDAD_RECHAZADA', verdict.motivo, data.tipoPersona === 'NATURAL' ? 'numeroDocumento' : 'ruc');
  if (data.tipoPersona === 'JURIDICA') {
    const rep = data.representante;
    const v = await guard(() => deps.identity.checkPersona(rep.tipoDocumento, rep.numeroDocumento));
    if (!v.ok) throw new HttpError(422, 'IDENTIDAD_RECHAZADA', v.motivo, 'representante.numeroDocumento');
  }

  const passwordHash = await hashPassword(data.password);
  const row =
    data.tipoPersona === 'NATURAL'
      ? {
          rol: 'ciudadano',
          tipo_persona: 'NATURAL',
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
          rol: 'ciudadano',
          tipo_persona: 'JURIDICA',
          tipo_documento: 'RUC',
          numero_documento: data.ruc,
          razon_social: data.razonSocial,
          domicilio_fiscal: data.domicilioFiscal,
          telefono: data.telefono,
          representante: JSON.stringify(data.representante),
        };

  let correoId: number | undefined;
  try {
    correoId = await deps.db.transaction(async (trx) => {
      const [cuenta] = await trx('cuentas')
        .insert({ ...row, email: data.email, password_hash: passwordHash, created_at: now, updated_at: now })
        .returning(['id', 'email', 'nombres', 'apellido_paterno', 'apellido_materno', 'razon_social']);
      await trx('consentimientos').insert(
        ['TERMINOS', 'PRIVACIDAD', 'CASILLA'].map((tipo) => ({
          cuenta_id: cuenta.id,
          tipo,
          version: deps.config.accounts.legalVersion,
          aceptado_en: now,
          ip,
        })),
      );
      return issueCode(trx, deps, { id: cuenta.id, email: cuenta.email, nombre: displayName(cuenta) }, now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new HttpError(409, 'CUENTA_EXISTENTE', DUPLICATE);
    throw err;
  }
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
  return { email: data.email };
}

const verification = z.object({
  email: z.string({ error: 'Ingrese su correo electrónico.' }).trim().transform(normalizeEmail),
  codigo: z.string({ error: 'Ingrese el código de 6 dígitos.' }).trim().regex(/^\d{6}$/, 'El código tiene 6 dígitos.'),
});

export async function verifyEmail(deps: AppDeps, input: unknown) {
  const { email: addr, codigo } = parse(verification, input);
  const now = deps.clock.now();
  const wrong = () => badRequest('El código no es correcto.', 'codigo');
  const cuenta = await deps.db('cuentas').where({ email: addr }).first('id', 'email_verificado_en');
  if (!cuenta) throw wrong();
  if (cuenta.email_verificado_en) return { yaVerificado: true };
  const code = await deps.db('codigos_verificacion').where({ cuenta_id: cuenta.id }).orderBy('creado_en', 'desc').orderBy('id', 'desc').first();
  if (!code || code.usado_en) throw wrong();
  if (new Date(code.expira_en) <= now) throw new HttpError(410, 'CODIGO_VENCIDO', 'El código venció. Solicite uno nuevo.');
  const max = deps.config.accounts.codeAttempts;
  if (code.intentos >= max) throw new HttpError(429, 'CODIGO_AGOTADO', `Superó los ${max} intentos. Solicite un código nuevo.`);
  if (code.codigo_hash !== hmac(deps.config.secret, `${cuenta.id}:${codigo}`)) {
    const [{ intentos }] = await deps.db('codigos_verificacion').where({ id: code.id }).increment('intentos', 1).returning('intentos');
    const left = max - intentos;
    if (left <= 0) throw new HttpError(429, 'CODIGO_AGOTADO', `Superó los ${max} intentos. Solicite un código nuevo.`);
    throw badRequest(`El código no es correcto. Le ${left === 1 ? 'queda 1 intento' : `quedan ${left} intentos`}.`, 'codigo');
  }
  await deps.db.transaction(async (trx) => {
    await trx('codigos_verificacion').where({ id: code.id }).update({ usado_en: now });
    await trx('cuentas').where({ id: cuenta.id }).update({ email_verificado_en: now, updated_at: now });
  });
  return { yaVerificado: false };
}

export async function resendCode(deps: AppDeps, input: unknown) {
  const { email: addr } = parse(z.object({ email: verification.shape.email }), input);
  const now = deps.clock.now();
  const cuenta = await deps.db('cuentas')
    .where({ email: addr })
    .first('id', 'email', 'email_verificado_en', 'nombres', 'apellido_paterno', 'apellido_materno', 'razon_social');
  // The same answer whether or not the address is registered.
  if (!cuenta || cuenta.email_verificado_en) return;
  const wait = await hit(deps.db, { key: `reenvio:${cuenta.id}`, max: 1, windowMs: deps.config.accounts.resendSeconds * 1000 }, now);
  if (wait) throw tooMany(wait, 'Ya le enviamos un código hace un momento.');
  const correoId = await deps.db.transaction((trx) => issueCode(trx, deps, { id: cuenta.id, email: cuenta.email, nombre: displayName(cuenta) }, now));
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
}

// ---------- sessions ----------

const loginSchema = z.object({
  usuario: z.string({ error: 'Ingrese su correo o número de documento.' }).trim().min(1, 'Ingrese su correo o número de documento.').max(254),
  password: z.string({ error: 'Ingrese su contraseña.' }).min(1, 'Ingrese su contraseña.').max(256),
});

export class UnverifiedAccount extends HttpError {
  constructor(readonly email: string) {
    super(403, 'CUENTA_NO_VERIFICADA', 'Confirme su correo electrónico para ingresar. Le enviamos un código al registrarse.');
  }
}

export async function login(ctx: Context, deps: AppDeps, input: unknown) {
  const { usuario, password: pass } = parse(loginSchema, input);
  const now = deps.clock.now();
  const { loginFailuresPerAccount, loginFailuresPerIp, loginWindowMinutes } = deps.config.accounts;
  const windowMs = loginWindowMinutes * 60_000;
  const ipLimit = { key: `login-ip:${ctx.ip}`, max: loginFailuresPerIp, windowMs };
  const ipWait = await blockedFor(deps.db, ipLimit, now);
  if (ipWait) throw tooMany(ipWait, 'Demasiados intentos fallidos desde su conexión.');

  const candidates = usuario.includes('@')
    ? await deps.db('cuentas').where({ email: normalizeEmail(usuario) })
    : await deps.db('cuentas').where({ numero_documento: usuario });
  for (const c of candidates) {
    const wait = await blockedFor(deps.db, { key: `login-cuenta:${c.id}`, max: loginFailuresPerAccount, windowMs }, now);
    if (wait) throw tooMany(wait, 'Demasiados intentos fallidos para esta cuenta.');
  }
  let match: (typeof candidates)[number] | undefined;
  for (const c of candidates) if (await verifyPassword(c.password_hash, pass)) match = c;
  if (!candidates.length) await verifyPassword(await dummyHash(), pass);

  if (!match) {
    await hit(deps.db, ipLimit, now);
    for (const c of candidates) await hit(deps.db, { key: `login-cuenta:${c.id}`, max: loginFailuresPerAccount, windowMs }, now);
    throw new HttpError(401, 'CREDENCIALES_INVALIDAS', 'Usuario o contraseña incorrectos.');
  }
  if (!match.activo) throw new HttpError(403, 'CUENTA_INACTIVA', 'Su cuenta está desactivada. Comuníquese con la entidad.');
  if (!match.email_verificado_en) throw new UnverifiedAccount(match.email);
  await clear(deps.db, `login-cuenta:${match.id}`);
  // With a second factor there is no session yet: the code comes next, for this desafío.
  if (await hasSecondFactor(deps.db, match.id)) return { segundoFactor: 'totp' as const, desafio: await issueChallenge(deps.db, match.id, now) };
  const session = await openSession(ctx, deps, match);
  // The role requires a second factor that the account has yet to enrol: that comes first.
  return requiresSecondFactor(deps.config, match.rol) ? { ...session, segundoFactorPendiente: true as const } : session;
}

/** What `login` answers when the password was right and a code must follow. */
export const needsCode = (r: Awaited<ReturnType<typeof login>>): r is { segundoFactor: 'totp'; desafio: string } => 'desafio' in r;

// ---------- passwords ----------

export async function forgotPassword(deps: AppDeps, input: unknown, ip: string) {
  const { email: addr } = parse(z.object({ email: verification.shape.email }), input);
  const now = deps.clock.now();
  const ipWait = await hit(deps.db, { key: `olvido-ip:${ip}`, max: 10, windowMs: 3_600_000 }, now);
  if (ipWait) throw tooMany(ipWait);
  const cuenta = await deps.db('cuentas').where({ email: addr, activo: true }).first();
  // Never tells whether the address is registered.
  if (!cuenta) return;
  const wait = await hit(deps.db, { key: `olvido:${cuenta.id}`, max: 3, windowMs: 3_600_000 }, now);
  if (wait) return;
  const correoId = await deps.db.transaction((trx) => issueResetLink(trx, deps, cuenta, 'clave-olvido', now));
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
}

interface CuentaRow {
  id: number;
  email: string;
  rol?: string;
  nombres?: string | null;
  apellido_paterno?: string | null;
  apellido_materno?: string | null;
  razon_social?: string | null;
}

async function issueResetLink(trx: Knex, deps: AppDeps, cuenta: CuentaRow, template: 'clave-olvido' | 'cuenta-personal', now: Date) {
  const token = randomToken();
  const days = deps.config.accounts.resetLinkDays;
  const [row] = await trx('enlaces_clave')
    .insert({ cuenta_id: cuenta.id, token_hash: sha256(token), creado_en: now, expira_en: new Date(now.getTime() + days * 86_400_000) })
    .returning('id');
  const enlace = `${deps.config.http.publicUrl}/clave/restablecer?token=${token}`;
  return queueMail(
    trx,
    deps.config,
    {
      evento: `${template}:${row.id}`,
      to: cuenta.email,
      template,
      data: { nombre: displayName(cuenta), enlace, vigenciaDias: days, rol: ROL_LABEL[cuenta.rol as Rol] ?? '' },
    },
    now,
  );
}

const resetSchema = z
  .object({
    token: z.string({ error: 'El enlace no es válido.' }).regex(/^[\w-]{20,100}$/, 'El enlace no es válido.'),
    password,
    passwordConfirmacion: z.string({ error: 'Confirme su contraseña.' }),
  })
  .refine((d) => d.password === d.passwordConfirmacion, { message: 'Las contraseñas no coinciden.', path: ['passwordConfirmacion'] });

/** Null when the link can be used; otherwise why not. */
export async function resetLinkProblem(deps: AppDeps, token: string) {
  const link = /^[\w-]{20,100}$/.test(token) ? await deps.db('enlaces_clave').where({ token_hash: sha256(token) }).first() : undefined;
  if (!link) return 'El enlace no es válido. Solicite uno nuevo.';
  if (link.usado_en) return 'Este enlace ya fue usado. Si necesita cambiar su contraseña otra vez, solicite un enlace nuevo.';
  if (new Date(link.expira_en) <= deps.clock.now()) return 'El enlace venció. Solicite uno nuevo.';
  return null;
}

export async function resetPassword(deps: AppDeps, input: unknown) {
  const data = parse(resetSchema, input);
  const problem = await resetLinkProblem(deps, data.token);
  if (problem) throw new HttpError(410, 'ENLACE_INVALIDO', problem);
  const now = deps.clock.now();
  const passwordHash = await hashPassword(data.password);
  await deps.db.transaction(async (trx) => {
    const [link] = await trx('enlaces_clave').where({ token_hash: sha256(data.token) }).whereNull('usado_en').update({ usado_en: now }).returning('cuenta_id');
    if (!link) throw new HttpError(410, 'ENLACE_INVALIDO', 'Este enlace ya fue usado.');
    // Following the link proves the address, so an unverified account becomes verified.
    await trx('cuentas')
      .where({ id: link.cuenta_id })
      .update({ password_hash: passwordHash, email_verificado_en: trx.raw('coalesce(email_verificado_en, ?)', [now]), updated_at: now });
    await endOtherSessions(trx, link.cuenta_id);
  });
}

const changeSchema = z
  .object({
    passwordActual: z.string({ error: 'Ingrese su contraseña actual.' }).min(1, 'Ingrese su contraseña actual.'),
    password,
    passwordConfirmacion: z.string({ error: 'Confirme su contraseña.' }),
  })
  .refine((d) => d.password === d.passwordConfirmacion, { message: 'Las contraseñas no coinciden.', path: ['passwordConfirmacion'] })
  .refine((d) => d.password !== d.passwordActual, { message: 'La contraseña nueva debe ser distinta de la actual.', path: ['password'] });

export async function changePassword(deps: AppDeps, cuentaId: number, sessionHash: string, input: unknown) {
  const data = parse(changeSchema, input);
  const now = deps.clock.now();
  const cuenta = await deps.db('cuentas').where({ id: cuentaId }).first();
  const limit = { key: `clave-actual:${cuentaId}`, max: deps.config.accounts.loginFailuresPerAccount, windowMs: deps.config.accounts.loginWindowMinutes * 60_000 };
  const wait = await blockedFor(deps.db, limit, now);
  if (wait) throw tooMany(wait);
  if (!(await verifyPassword(cuenta.password_hash, data.passwordActual))) {
    await hit(deps.db, limit, now);
    throw badRequest('La contraseña actual no es correcta.', 'passwordActual');
  }
  const passwordHash = await hashPassword(data.password);
  const correoId = await deps.db.transaction(async (trx) => {
    await trx('cuentas').where({ id: cuentaId }).update({ password_hash: passwordHash, updated_at: now });
    await endOtherSessions(trx, cuentaId, sessionHash);
    return queueMail(
      trx,
      deps.config,
      {
        evento: `clave-cambiada:${cuentaId}:${randomToken(9)}`,
        to: cuenta.email,
        template: 'clave-cambiada',
        data: { nombre: displayName(cuenta), fecha: fechaHora(now) },
      },
      now,
    );
  });
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
}

// ---------- profile ----------

export async function getProfile(deps: AppDeps, cuentaId: number) {
  const c = await deps.db('cuentas').where({ id: cuentaId }).first();
  return {
    tipoPersona: c.tipo_persona,
    rol: c.rol,
    tipoDocumento: c.tipo_documento,
    numeroDocumento: c.numero_documento,
    email: c.email,
    nombres: c.nombres,
    apellidoPaterno: c.apellido_paterno,
    apellidoMaterno: c.apellido_materno,
    fechaNacimiento: c.fecha_nacimiento,
    telefono: c.telefono,
    direccion: c.direccion,
    razonSocial: c.razon_social,
    domicilioFiscal: c.domicilio_fiscal,
    representante: c.representante,
    unidad: c.unidad_codigo,
  };
}

const profileSchema = z
  .object({
    nombres: nombre('los nombres').optional(),
    apellidoPaterno: nombre('el apellido paterno').optional(),
    apellidoMaterno: nombre('el apellido materno').optional(),
    telefono: telefono.optional(),
    direccion: z.string().trim().max(300, 'La dirección no puede tener más de 300 caracteres.').optional(),
    domicilioFiscal: text('el domicilio fiscal', 5, 300).optional(),
    _csrf: z.string().optional(),
  }, { error: (iss) => (iss.code === 'unrecognized_keys' ? `Campo no permitido: ${iss.keys.join(', ')}.` : undefined) })
  .strict();

export async function updateProfile(deps: AppDeps, cuentaId: number, input: unknown) {
  const raw = (input ?? {}) as Record<string, unknown>;
  for (const locked of ['numeroDocumento', 'email', 'tipoDocumento', 'ruc', 'tipoPersona', 'razonSocial']) {
    if (locked in raw) throw badRequest('El número de documento, el correo, el tipo de persona y la razón social no se pueden modificar.', locked);
  }
  const d = parse(profileSchema, input);
  const cuenta = await deps.db('cuentas').where({ id: cuentaId }).first('tipo_persona');
  const changes: Record<string, unknown> =
    cuenta.tipo_persona === 'JURIDICA'
      ? { telefono: d.telefono, domicilio_fiscal: d.domicilioFiscal }
      : { nombres: d.nombres, apellido_paterno: d.apellidoPaterno, apellido_materno: d.apellidoMaterno, telefono: d.telefono, direccion: d.direccion };
  for (const k of Object.keys(changes)) if (changes[k] === undefined) delete changes[k];
  if (Object.keys(changes).length) await deps.db('cuentas').where({ id: cuentaId }).update({ ...changes, updated_at: deps.clock.now() });
  return getProfile(deps, cuentaId);
}

// ---------- staff (admin) ----------

export const ROL_LABEL: Record<Rol, string> = {
  ciudadano: 'Ciudadano',
  mesa_partes: 'Mesa de partes',
  unidad: 'Personal de unidad orgánica',
  supervisor: 'Supervisor',
  admin: 'Administrador',
};

const staffSchema = z
  .object({
    email,
    nombres: nombre('los nombres'),
    apellidoPaterno: nombre('el apellido paterno'),
    apellidoMaterno: nombre('el apellido materno').optional(),
    rol: z.enum(['mesa_partes', 'unidad', 'supervisor', 'admin'], { error: 'Elija un rol: mesa_partes, unidad, supervisor o admin.' }),
    unidad: z.string().trim().max(20).optional(),
    _csrf: z.string().optional(),
  })
  .refine((d) => d.rol !== 'unidad' || !!d.unidad, { message: 'Elija la unidad orgánica del personal.', path: ['unidad'] });

/** What the audit trail keeps of a staff account. */
const staffAudit = (c: { email: string; rol: string; unidad_codigo: string | null; activo: boolean }) => ({ email: c.email, rol: c.rol, unidad: c.unidad_codigo, activo: c.activo });

export async function createStaff(deps: AppDeps, input: unknown, actorId: number) {
  const d = parse(staffSchema, input);
  const now = deps.clock.now();
  if (d.unidad) {
    const u = await deps.db('unidades').where({ codigo: d.unidad, activa: true }).first();
    if (!u) throw badRequest('La unidad orgánica no existe.', 'unidad');
  }
  let correoId: number | undefined;
  try {
    correoId = await deps.db.transaction(async (trx) => {
      const [cuenta] = await trx('cuentas')
        .insert({
          rol: d.rol,
          tipo_persona: 'NATURAL',
          email: d.email,
          // An admin vouches for the address; the person sets the password through the mailed link.
          email_verificado_en: now,
          nombres: d.nombres,
          apellido_paterno: d.apellidoPaterno,
          apellido_materno: d.apellidoMaterno ?? null,
          unidad_codigo: d.unidad || (d.rol === 'mesa_partes' ? await mesaDePartes(trx) : null),
          created_at: now,
          updated_at: now,
        })
        .returning('*');
      await recordAudit(trx, { cuentaId: actorId, entidad: 'cuenta', clave: String(cuenta.id), accion: 'CREAR', despues: staffAudit(cuenta), en: now });
      return issueResetLink(trx, deps, cuenta, 'cuenta-personal', now);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new HttpError(409, 'CUENTA_EXISTENTE', 'Ya existe una cuenta con ese correo.');
    throw err;
  }
  await startMailDelivery(deps.db, deps.temporal, deps.config, correoId);
  return { email: d.email, rol: d.rol };
}

async function mesaDePartes(db: Knex) {
  const u = await db('unidades').where({ es_mesa_partes: true }).first('codigo');
  return u?.codigo ?? null;
}

export async function listStaff(deps: AppDeps) {
  const rows = await deps.db('cuentas').whereNot({ rol: 'ciudadano' }).orderBy(['rol', 'email']);
  return rows.map((c) => ({
    id: c.id,
    email: c.email,
    nombre: displayName(c),
    rol: c.rol,
    rolNombre: ROL_LABEL[c.rol as Rol],
    unidad: c.unidad_codigo,
    activo: c.activo,
    pendienteClave: !c.password_hash,
  }));
}

/** The staff account `id` locked for a change inside `trx`, or a 404. */
async function lockedStaff(trx: Knex, id: number) {
  const c = await trx('cuentas').where({ id }).whereNot({ rol: 'ciudadano' }).forUpdate().first();
  if (!c) throw new HttpError(404, 'NO_ENCONTRADO', 'La cuenta no existe.');
  return c;
}

export async function setStaffActive(deps: AppDeps, id: number, activo: boolean, actorId: number) {
  if (id === actorId && !activo) throw badRequest('No puede desactivar su propia cuenta.');
  const now = deps.clock.now();
  await deps.db.transaction(async (trx) => {
    const before = await lockedStaff(trx, id);
    if (before.activo === activo) return;
    const [after] = await trx('cuentas').where({ id }).update({ activo, updated_at: now }).returning('*');
    await recordAudit(trx, { cuentaId: actorId, entidad: 'cuenta', clave: String(id), accion: activo ? 'ACTIVAR' : 'DESACTIVAR', antes: staffAudit(before), despues: staffAudit(after), en: now });
    if (!activo) await endOtherSessions(trx, id);
  });
}

const staffChange = z
  .object({
    rol: staffSchema.shape.rol,
    unidad: z.string().trim().max(20).optional(),
  })
  .refine((d) => d.rol !== 'unidad' || !!d.unidad, { message: 'Elija la unidad orgánica del personal.', path: ['unidad'] });

/** Changes a staff member's role and office; the next request of their sessions already sees it. */
export async function updateStaff(deps: AppDeps, id: number, input: unknown, actorId: number) {
  const d = parse(staffChange, input);
  if (id === actorId && d.rol !== 'admin') throw badRequest('No puede quitarse a sí mismo el rol de administrador.', 'rol');
  if (d.unidad && !(await deps.db('unidades').where({ codigo: d.unidad, activa: true }).first())) {
    throw badRequest('La unidad orgánica no existe o está desactivada.', 'unidad');
  }
  const now = deps.clock.now();
  return deps.db.transaction(async (trx) => {
    const before = await lockedStaff(trx, id);
    const unidad = d.unidad || (d.rol === 'mesa_partes' ? await mesaDePartes(trx) : null);
    if (before.rol === d.rol && before.unidad_codigo === unidad) return staffAudit(before);
    const [after] = await trx('cuentas').where({ id }).update({ rol: d.rol, unidad_codigo: unidad, updated_at: now }).returning('*');
    await recordAudit(trx, { cuentaId: actorId, entidad: 'cuenta', clave: String(id), accion: 'EDITAR', antes: staffAudit(before), despues: staffAudit(after), en: now });
    return staffAudit(after);
  });
}

// ---------- API tokens ----------

export async function createApiToken(deps: AppDeps, nombreToken: unknown, creadoPor: number) {
  const { nombre: n } = parse(z.object({ nombre: text('el nombre del sistema', 3, 100) }), { nombre: nombreToken });
  const token = `mpv_${randomToken(32)}`;
  const now = deps.clock.now();
  const row = await deps.db.transaction(async (trx) => {
    const [created] = await trx('api_tokens')
      .insert({ nombre: n, token_hash: sha256(token), prefijo: token.slice(0, 10), creado_por: creadoPor, creado_en: now })
      .returning(['id', 'nombre', 'prefijo', 'creado_en']);
    await recordAudit(trx, { cuentaId: creadoPor, entidad: 'api_token', clave: String(created.id), accion: 'CREAR', despues: { nombre: n, prefijo: created.prefijo }, en: now });
    return created;
  });
  // The token is shown once; only its hash is kept.
  return { ...row, token };
}

export async function listApiTokens(deps: AppDeps) {
  return deps.db('api_tokens').orderBy('id').select('id', 'nombre', 'prefijo', 'creado_en', 'revocado_en', 'ultimo_uso');
}

export async function revokeApiToken(deps: AppDeps, id: number, actorId: number) {
  const now = deps.clock.now();
  await deps.db.transaction(async (trx) => {
    const [row] = await trx('api_tokens').where({ id }).whereNull('revocado_en').update({ revocado_en: now }).returning(['nombre', 'prefijo']);
    if (!row) throw new HttpError(404, 'NO_ENCONTRADO', 'El token no existe o ya fue revocado.');
    await recordAudit(trx, { cuentaId: actorId, entidad: 'api_token', clave: String(id), accion: 'DESACTIVAR', antes: { ...row, revocado: false }, despues: { ...row, revocado: true }, en: now });
  });
}

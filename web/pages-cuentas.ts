// Account pages (Spanish, server-rendered): log in (with the code of a second factor) and out,
// registration, email verification, password reset and change, profile, and the admin pages for
// staff accounts and API tokens.
// Plain HTML forms posting application/x-www-form-urlencoded with a `_csrf` field; every rule
// lives in api/cuentas.ts, the same functions the JSON API calls.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import { HttpError, notFound, unavailableError } from '../api/errors';
import { bodyOf } from '../api/validation';
import { requireCuenta, requireRole } from '../api/auth/roles';
import { endSession, principal, type Principal, type Rol } from '../api/auth/session';
import {
  ROL_LABEL,
  UnverifiedAccount,
  changePassword,
  createApiToken,
  createStaff,
  forgotPassword,
  getProfile,
  listApiTokens,
  listStaff,
  login,
  needsCode,
  register,
  resendCode,
  resetLinkProblem,
  resetPassword,
  revokeApiToken,
  setStaffActive,
  updateProfile,
  updateStaff,
  verifyEmail,
} from '../api/cuentas';
import { CHALLENGE_MINUTES, completeLogin, secondFactorStatus } from '../api/segundo-factor';
import { ENROLMENT_PAGE } from '../api/auth/enrolment-gate';
import { TOTP_PERIOD_SECONDS } from '../lib/totp';

export type Body = Record<string, unknown>;
type Cuenta = Extract<Principal, { kind: 'cuenta' }>;

const PASSWORD_FIELDS = ['password', 'passwordConfirmacion', 'passwordActual', '_csrf'];

/** The parsed form as a plain object (koa-body gives `{}` or nothing for an empty body). */
export function formOf(ctx: Context): Body {
  const b = bodyOf(ctx);
  return b && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {};
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/**
 * Nests `prefix[key]` / `prefix.key` form fields into `{ prefix: { key } }`. koa-body's qs parser
 * already nests bracket and dot names; this also covers a parser that does not.
 */
export function nest(body: Body, prefix: string): Body {
  const out: Body = {};
  const inner: Body = {};
  const already = body[prefix];
  if (already && typeof already === 'object' && !Array.isArray(already)) Object.assign(inner, already);
  let found = !!already;
  for (const [k, v] of Object.entries(body)) {
    const m = new RegExp(`^${prefix}(?:\\[([^\\]]+)\\]|\\.(.+))$`).exec(k);
    if (m) {
      inner[m[1] ?? m[2]] = v;
      found = true;
    } else if (k !== prefix) out[k] = v;
  }
  if (found) out[prefix] = inner;
  return out;
}

/** The values a form re-renders with: what the person typed, never a password or the token. */
export function keep(body: Body): Body {
  const v: Body = {};
  for (const [k, val] of Object.entries(body)) if (!PASSWORD_FIELDS.includes(k)) v[k] = val;
  return v;
}

/** Only a same-site path: starts with one '/', no scheme, no '//' or '/\' (protocol-relative). */
export function safeReturn(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.length > 2000) return undefined;
  if (!/^\/(?![/\\])/.test(v) || /[\\\s\u0000-\u001f]/.test(v)) return undefined;
  return v;
}

export function seeOther(ctx: Context, url: string) {
  ctx.redirect(url);
  ctx.status = 303;
}

export const fieldId = (field: string) => `f-${field.replace(/[.[\]]+/g, '-').replace(/-$/, '')}`;

/** Data for the summary alert and the field message of a service error. */
export function problem(err: HttpError, rename: (field: string) => string = (f) => f) {
  const field = err.field ? rename(err.field) : undefined;
  return {
    alerta: err.message,
    alertaCampo: field ? fieldId(field) : undefined,
    errores: field ? { [field]: err.message } : {},
  };
}

/**
 * Runs a service call; an HttpError comes back as a value, and so does Temporal or PostgreSQL out
 * of reach (503: the form is shown again with what was typed); anything else propagates.
 */
export async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; err: HttpError }> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    if (err instanceof HttpError) return { ok: false, err };
    const unavailable = unavailableError(err);
    if (unavailable) return { ok: false, err: unavailable };
    throw err;
  }
}

export function failed(ctx: Context, err: HttpError) {
  ctx.status = err.status;
  const retryAfter = (err as HttpError & { retryAfter?: number }).retryAfter;
  if (retryAfter) ctx.set('Retry-After', String(retryAfter));
}

/**
 * The logged-in account for a page, or undefined after redirecting an anonymous visitor to the
 * login page (with `volver` set to come back). A wrong role is the 403 error page.
 */
export function pageUser(ctx: Context, ...roles: Rol[]): Cuenta | undefined {
  if (!principal(ctx)) {
    const volver = ctx.method === 'GET' ? ctx.originalUrl : ctx.path;
    seeOther(ctx, `/ingresar?volver=${encodeURIComponent(volver)}`);
    return undefined;
  }
  return roles.length ? requireRole(ctx, ...roles) : requireCuenta(ctx);
}

const LEGAL = {
  terminos: {
    titulo: 'Términos y condiciones',
    parrafos: [
      'Cada entidad que usa esta Mesa de Partes Virtual publica aquí sus propios términos y condiciones de uso.',
      'Este texto es provisional: la entidad lo reemplazará por el aprobado mediante su resolución correspondiente, que detalla las obligaciones del administrado, el horario de recepción, el cómputo de plazos y el uso de la casilla electrónica.',
    ],
  },
  privacidad: {
    titulo: 'Política de privacidad',
    parrafos: [
      'Cada entidad que usa esta Mesa de Partes Virtual publica aquí su propia política de privacidad, conforme a la Ley 29733, Ley de Protección de Datos Personales, y su reglamento.',
      'Este texto es provisional: la entidad lo reemplazará por su política aprobada, que indica qué datos se recogen, para qué se usan, cuánto tiempo se conservan y cómo ejercer los derechos de acceso, rectificación, cancelación y oposición.',
    ],
  },
};

export function cuentasPageRouter(deps: AppDeps, views: Views) {
  const r = new Router();

  // ---------- legal texts ----------
  r.get('/terminos', (ctx) => views.render(ctx, 'legal', LEGAL.terminos));
  r.get('/privacidad', (ctx) => views.render(ctx, 'legal', LEGAL.privacidad));

  // ---------- login / logout ----------
  const loginPage = (ctx: Context, data: Body = {}) => views.render(ctx, 'ingresar', { titulo: 'Ingresar', ...data });

  r.get('/ingresar', (ctx) => {
    const volver = safeReturn(ctx.query.volver);
    if (principal(ctx)?.kind === 'cuenta') return seeOther(ctx, volver ?? '/');
    loginPage(ctx, { volver, valores: {} });
  });

  r.post('/ingresar', async (ctx) => {
    const body = formOf(ctx);
    const volver = safeReturn(body.volver) ?? safeReturn(ctx.query.volver);
    const res = await attempt(() => login(ctx, deps, body));
    if (res.ok) {
      // The second step: a page asking for the code, carrying the desafío.
      if (needsCode(res.value)) return codigoPage(ctx, { desafio: res.value.desafio, volver });
      return seeOther(ctx, 'segundoFactorPendiente' in res.value ? ENROLMENT_PAGE : (volver ?? '/'));
    }
    if (res.err instanceof UnverifiedAccount) {
      return seeOther(ctx, `/cuentas/verificar?email=${encodeURIComponent(res.err.email)}`);
    }
    failed(ctx, res.err);
    loginPage(ctx, { volver, valores: keep(body), ...problem(res.err) });
  });

  const codigoPage = (ctx: Context, data: Body) => views.render(ctx, 'ingresar-codigo', { titulo: 'Código de verificación', minutos: CHALLENGE_MINUTES, segundos: TOTP_PERIOD_SECONDS, ...data });

  r.post('/ingresar/codigo', async (ctx) => {
    const body = formOf(ctx);
    const volver = safeReturn(body.volver);
    const res = await attempt(() => completeLogin(ctx, deps, body));
    if (res.ok) return seeOther(ctx, volver ?? '/');
    failed(ctx, res.err);
    // A desafío that can no longer be used (expired, spent, too many codes): back to the password.
    if (res.err.code === 'DESAFIO_INVALIDO' || res.err.field === 'desafio') return loginPage(ctx, { volver, valores: {}, alerta: res.err.message });
    const message = res.err.message;
    codigoPage(ctx, { desafio: str(body.desafio), volver, alerta: message, alertaCampo: 'f-codigo', errores: { codigo: message } });
  });

  r.post('/salir', async (ctx) => {
    await endSession(ctx, deps.db);
    seeOther(ctx, '/');
  });

  // ---------- registration ----------
  const registroPage = (ctx: Context, data: Body = {}) =>
    views.render(ctx, 'registro', { titulo: 'Crear una cuenta', valores: { tipoPersona: 'NATURAL', tipoDocumento: 'DNI' }, ...data });

  r.get('/registro', (ctx) => registroPage(ctx));

  r.post('/registro', async (ctx) => {
    const body = nest(formOf(ctx), 'representante');
    const tipo = body.tipoPersona;
    const common = ['email', 'emailConfirmacion', 'password', 'passwordConfirmacion', 'aceptaTerminos', 'aceptaPrivacidad', 'aceptaCasilla'];
    const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
    // Both fieldsets arrive when the page runs without JavaScript: send only the chosen one.
    const input =
      tipo === 'NATURAL'
        ? { tipoPersona: tipo, ...pick(['tipoDocumento', 'numeroDocumento', 'nombres', 'apellidoPaterno', 'apellidoMaterno', 'fechaNacimiento', 'telefono', 'direccion', ...common]) }
        : tipo === 'JURIDICA'
          ? { tipoPersona: tipo, ...pick(['ruc', 'razonSocial', 'domicilioFiscal', 'representante', ...common]), telefono: body.telefonoEmpresa }
          : body;
    const res = await attempt(() => register(deps, input, ctx.ip));
    if (res.ok) return seeOther(ctx, `/cuentas/verificar?email=${encodeURIComponent(res.value.email)}&nuevo=1`);
    failed(ctx, res.err);
    const rename = (f: string) => (tipo === 'JURIDICA' && f === 'telefono' ? 'telefonoEmpresa' : f);
    registroPage(ctx, { valores: keep(body), ...problem(res.err, rename) });
  });

  // ---------- email verification ----------
  const verificarPage = (ctx: Context, data: Body) => views.render(ctx, 'verificar', { titulo: 'Confirme su correo electrónico', ...data });
  const confirmed = (yaVerificado: boolean) => ({
    confirmado: true,
    aviso: yaVerificado ? 'Su correo ya estaba confirmado. Ya puede ingresar.' : 'Correo confirmado. Ya puede ingresar.',
  });

  async function verify(ctx: Context, values: Body) {
    const res = await attempt(() => verifyEmail(deps, values));
    if (res.ok) return verificarPage(ctx, confirmed(res.value.yaVerificado));
    failed(ctx, res.err);
    verificarPage(ctx, { valores: keep(values), ...problem(res.err) });
  }

  r.get('/cuentas/verificar', async (ctx) => {
    const email = str(ctx.query.email);
    const codigo = str(ctx.query.codigo);
    if (email && codigo) return verify(ctx, { email, codigo });
    verificarPage(ctx, { valores: { email: email ?? '' }, nuevo: ctx.query.nuevo === '1' && !!email });
  });

  r.post('/cuentas/verificar', (ctx) => verify(ctx, formOf(ctx)));

  r.post('/cuentas/verificar/reenvio', async (ctx) => {
    const body = formOf(ctx);
    const res = await attempt(() => resendCode(deps, body));
    const valores = { email: str(body.email) ?? '' };
    if (res.ok) return verificarPage(ctx, { valores, aviso: 'Le enviamos un nuevo código si la cuenta existe y no está confirmada.' });
    failed(ctx, res.err);
    // The resend form has its own email input (id f-reenvio-email); its message goes there.
    verificarPage(ctx, {
      valores,
      alerta: res.err.message,
      alertaCampo: res.err.field ? 'f-reenvio-email' : undefined,
      errores: res.err.field ? { reenvio: res.err.message } : {},
    });
  });

  // ---------- forgotten password ----------
  const olvidoPage = (ctx: Context, data: Body) => views.render(ctx, 'clave-olvido', { titulo: '¿Olvidó su contraseña?', ...data });

  r.get('/clave/olvido', (ctx) => olvidoPage(ctx, { valores: {} }));

  r.post('/clave/olvido', async (ctx) => {
    const body = formOf(ctx);
    const res = await attempt(() => forgotPassword(deps, body, ctx.ip));
    if (res.ok) {
      return olvidoPage(ctx, {
        valores: {},
        aviso: 'Si el correo corresponde a una cuenta, le enviamos un enlace para crear una contraseña nueva. Revise también su carpeta de correo no deseado.',
      });
    }
    failed(ctx, res.err);
    olvidoPage(ctx, { valores: keep(body), ...problem(res.err) });
  });

  const restablecerPage = (ctx: Context, data: Body) => views.render(ctx, 'clave-restablecer', { titulo: 'Crear una contraseña nueva', ...data });

  r.get('/clave/restablecer', async (ctx) => {
    const token = str(ctx.query.token) ?? '';
    const why = await resetLinkProblem(deps, token);
    if (why) {
      ctx.status = 410;
      return restablecerPage(ctx, { problema: true, alerta: why });
    }
    restablecerPage(ctx, { token });
  });

  r.post('/clave/restablecer', async (ctx) => {
    const body = formOf(ctx);
    const res = await attempt(() => resetPassword(deps, body));
    if (res.ok) return restablecerPage(ctx, { listo: true, aviso: 'Su contraseña fue cambiada. Ya puede ingresar.' });
    failed(ctx, res.err);
    // A link that can no longer be used, or a malformed token, cannot be fixed in this form.
    if (res.err.status === 410 || res.err.field === 'token') return restablecerPage(ctx, { problema: true, alerta: res.err.message });
    restablecerPage(ctx, { token: str(body.token), ...problem(res.err) });
  });

  // ---------- logged in: password and profile ----------
  const clavePage = (ctx: Context, data: Body) => views.render(ctx, 'cuenta-clave', { titulo: 'Cambiar contraseña', ...data });

  r.get('/cuenta/clave', (ctx) => {
    if (!pageUser(ctx)) return;
    clavePage(ctx, {});
  });

  r.post('/cuenta/clave', async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    const res = await attempt(() => changePassword(deps, p.cuentaId, p.sessionHash, formOf(ctx)));
    if (res.ok) return clavePage(ctx, { listo: true, aviso: 'Su contraseña fue cambiada. Se cerraron sus otras sesiones.' });
    failed(ctx, res.err);
    clavePage(ctx, problem(res.err));
  });

  async function perfilPage(ctx: Context, cuentaId: number, data: Body) {
    const perfil = await getProfile(deps, cuentaId);
    const valores = data.valores ?? {
      nombres: perfil.nombres,
      apellidoPaterno: perfil.apellidoPaterno,
      apellidoMaterno: perfil.apellidoMaterno,
      telefono: perfil.telefono,
      direccion: perfil.direccion,
      domicilioFiscal: perfil.domicilioFiscal,
    };
    views.render(ctx, 'cuenta-perfil', {
      titulo: 'Mi perfil',
      perfil,
      segundoFactor: await secondFactorStatus(deps, cuentaId, perfil.rol),
      documento: perfil.numeroDocumento ? `${perfil.tipoDocumento} ${perfil.numeroDocumento}` : '',
      fechaNacimiento: isoDay(perfil.fechaNacimiento),
      ...data,
      valores,
    });
  }

  r.get('/cuenta/perfil', async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    await perfilPage(ctx, p.cuentaId, ctx.query.guardado === '1' ? { aviso: 'Sus datos fueron actualizados.' } : {});
  });

  r.post('/cuenta/perfil', async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    const body = formOf(ctx);
    const editable = ['nombres', 'apellidoPaterno', 'apellidoMaterno', 'telefono', 'direccion', 'domicilioFiscal'];
    const input: Body = {};
    for (const k of editable) if (body[k] !== undefined) input[k] = body[k];
    // A phone left empty (staff accounts have none) is "no change", not an invalid number.
    if (input.telefono === '') delete input.telefono;
    const res = await attempt(() => updateProfile(deps, p.cuentaId, input));
    if (res.ok) return seeOther(ctx, '/cuenta/perfil?guardado=1');
    failed(ctx, res.err);
    await perfilPage(ctx, p.cuentaId, { valores: keep(body), ...problem(res.err) });
  });

  // ---------- admin: staff accounts ----------
  const ROLES = (['mesa_partes', 'unidad', 'supervisor', 'admin'] as const).map((codigo) => ({ codigo, nombre: ROL_LABEL[codigo] }));

  async function personalPage(ctx: Context, data: Body) {
    const [personal, unidades] = await Promise.all([
      listStaff(deps),
      deps.db('unidades').where({ activa: true }).orderBy('nombre').select('codigo', 'nombre'),
    ]);
    views.render(ctx, 'admin-personal', { titulo: 'Personal', personal, unidades, roles: ROLES, valores: { rol: 'mesa_partes' }, ...data });
  }

  r.get('/admin/personal', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    const creado = str(ctx.query.creado);
    const aviso = creado
      ? `Se creó la cuenta de ${creado}. Le enviamos un correo para que establezca su contraseña.`
      : ctx.query.actualizado === '1' ? 'Se actualizaron el rol y la unidad de la cuenta.' : undefined;
    await personalPage(ctx, aviso ? { aviso } : {});
  });

  r.post('/admin/personal', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const input: Body = { ...body };
    delete input._csrf;
    if (input.apellidoMaterno === '') delete input.apellidoMaterno;
    if (input.unidad === '') delete input.unidad;
    const res = await attempt(() => createStaff(deps, input, p.cuentaId));
    if (res.ok) return seeOther(ctx, `/admin/personal?creado=${encodeURIComponent(res.value.email)}`);
    failed(ctx, res.err);
    await personalPage(ctx, { valores: keep(body), ...problem(res.err) });
  });

  for (const [accion, activo] of [['activar', true], ['desactivar', false]] as const) {
    r.post(`/admin/personal/:id/${accion}`, async (ctx) => {
      const p = pageUser(ctx, 'admin');
      if (!p) return;
      const id = Number(ctx.params.id);
      if (!Number.isSafeInteger(id)) throw notFound('La cuenta no existe.');
      const res = await attempt(() => setStaffActive(deps, id, activo, p.cuentaId));
      if (res.ok) return seeOther(ctx, '/admin/personal');
      failed(ctx, res.err);
      await personalPage(ctx, { alerta: res.err.message });
    });
  }

  // Role and office of one staff member.
  async function personaPage(ctx: Context, id: number, data: Body) {
    const persona = (await listStaff(deps)).find((c) => c.id === id);
    if (!persona) throw notFound('La cuenta no existe.');
    const unidades = await deps.db('unidades').where({ activa: true }).orderBy('nombre').select('codigo', 'nombre');
    views.render(ctx, 'admin-personal-editar', { titulo: `Personal: ${persona.nombre}`, persona, unidades, roles: ROLES, valores: { rol: persona.rol, unidad: persona.unidad }, ...data });
  }

  const staffId = (v: string) => {
    const id = Number(v);
    if (!Number.isSafeInteger(id)) throw notFound('La cuenta no existe.');
    return id;
  };

  r.get('/admin/personal/:id', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    await personaPage(ctx, staffId(ctx.params.id), {});
  });

  r.post('/admin/personal/:id', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const id = staffId(ctx.params.id);
    const body = formOf(ctx);
    const res = await attempt(() => updateStaff(deps, id, { rol: body.rol, unidad: body.unidad || undefined }, p.cuentaId));
    if (res.ok) return seeOther(ctx, '/admin/personal?actualizado=1');
    failed(ctx, res.err);
    await personaPage(ctx, id, { valores: keep(body), ...problem(res.err) });
  });

  // ---------- admin: API tokens ----------
  async function tokensPage(ctx: Context, data: Body) {
    views.render(ctx, 'admin-tokens', { titulo: 'Tokens de API', tokens: await listApiTokens(deps), valores: {}, ...data });
  }

  r.get('/admin/tokens', async (ctx) => {
    if (!pageUser(ctx, 'admin')) return;
    await tokensPage(ctx, ctx.query.revocado === '1' ? { aviso: 'El token fue revocado.' } : {});
  });

  r.post('/admin/tokens', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const body = formOf(ctx);
    const res = await attempt(() => createApiToken(deps, body.nombre, p.cuentaId));
    if (res.ok) {
      // Shown once, in this response only (not a redirect: the token is never in a URL).
      return tokensPage(ctx, { creado: res.value });
    }
    failed(ctx, res.err);
    await tokensPage(ctx, { valores: keep(body), ...problem(res.err) });
  });

  r.post('/admin/tokens/:id/revocar', async (ctx) => {
    const p = pageUser(ctx, 'admin');
    if (!p) return;
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id)) throw notFound('El token no existe.');
    const res = await attempt(() => revokeApiToken(deps, id, p.cuentaId));
    if (res.ok) return seeOther(ctx, '/admin/tokens?revocado=1');
    failed(ctx, res.err);
    await tokensPage(ctx, { alerta: res.err.message });
  });

  return r;
}

/** 'AAAA-MM-DD' of a `date` column (pg gives a Date at local midnight, or a string). */
function isoDay(v: unknown): string {
  if (!v) return '';
  if (v instanceof Date) {
    const p = (n: number) => String(n).padStart(2, '0');
    return `${v.getFullYear()}-${p(v.getMonth() + 1)}-${p(v.getDate())}`;
  }
  return String(v).slice(0, 10);
}

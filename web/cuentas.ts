// Account pages (Spanish, server-rendered): legal texts, log in (with the code of a second factor)
// and out, registration, e-mail verification, password reset and change, and the profile. Plain
// HTML forms posting urlencoded with a `_csrf` field; every rule is the services' (services/cuentas/).
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { requireCuenta } from '../http/auth/roles';
import { clientOf, endSession, principal, startSession } from '../http/auth/session';
import { ENROLMENT_PAGE } from '../http/auth/enrolment-gate';
import { register } from '../services/cuentas/registro';
import { resendCode, verifyEmail } from '../services/cuentas/verificacion-email';
import { CHALLENGE_MINUTES, UnverifiedAccount, completeLogin, login, needsCode } from '../services/cuentas/sesiones';
import { changePassword, forgotPassword, resetLinkProblem, resetPassword } from '../services/cuentas/claves';
import { getProfile, updateProfile } from '../services/cuentas/perfil';
import { secondFactorStatus } from '../services/segundo-factor';
import { TOTP_PERIOD_SECONDS } from '../lib/totp';
import { type Body, str, formOf, nest, keep, safeReturn, seeOther, problem, attempt, failed } from './forms';

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

export const terminos = (ctx: Context, _deps: AppDeps, views: Views) => views.render(ctx, 'legal', LEGAL.terminos);
export const privacidad = (ctx: Context, _deps: AppDeps, views: Views) => views.render(ctx, 'legal', LEGAL.privacidad);

// ---------- login / logout ----------

const loginPage = (ctx: Context, views: Views, data: Body = {}) => views.render(ctx, 'ingresar', { titulo: 'Ingresar', ...data });
const codigoPage = (ctx: Context, views: Views, data: Body) =>
  views.render(ctx, 'ingresar-codigo', { titulo: 'Código de verificación', minutos: CHALLENGE_MINUTES, segundos: TOTP_PERIOD_SECONDS, ...data });

export function ingresarForm(ctx: Context, _deps: AppDeps, views: Views) {
  const volver = safeReturn(ctx.query.volver);
  if (principal(ctx)?.kind === 'cuenta') return seeOther(ctx, volver ?? '/');
  loginPage(ctx, views, { volver, valores: {} });
}

export async function ingresar(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const volver = safeReturn(body.volver) ?? safeReturn(ctx.query.volver);
  const res = await attempt(() => login(deps, body, clientOf(ctx)));
  if (res.ok) {
    // The second step: a page asking for the code, carrying the desafío.
    if (needsCode(res.value)) return codigoPage(ctx, views, { desafio: res.value.desafio, volver });
    const sesion = startSession(ctx, res.value);
    return seeOther(ctx, sesion.segundoFactorPendiente ? ENROLMENT_PAGE : (volver ?? '/'));
  }
  if (res.err instanceof UnverifiedAccount) return seeOther(ctx, `/cuentas/verificar?email=${encodeURIComponent(res.err.email)}`);
  failed(ctx, res.err);
  loginPage(ctx, views, { volver, valores: keep(body), ...problem(res.err) });
}

export async function ingresarCodigo(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const volver = safeReturn(body.volver);
  const res = await attempt(() => completeLogin(deps, body, clientOf(ctx)));
  if (res.ok) {
    startSession(ctx, res.value);
    return seeOther(ctx, volver ?? '/');
  }
  failed(ctx, res.err);
  // A desafío that can no longer be used (expired, spent, too many codes): back to the password.
  if (res.err.code === 'DESAFIO_INVALIDO' || res.err.field === 'desafio') return loginPage(ctx, views, { volver, valores: {}, alerta: res.err.message });
  const message = res.err.message;
  codigoPage(ctx, views, { desafio: str(body.desafio), volver, alerta: message, alertaCampo: 'f-codigo', errores: { codigo: message } });
}

export async function salir(ctx: Context, deps: AppDeps) {
  await endSession(ctx, deps);
  seeOther(ctx, '/');
}

// ---------- registration ----------

const registroPage = (ctx: Context, views: Views, data: Body = {}) =>
  views.render(ctx, 'registro', { titulo: 'Crear una cuenta', valores: { tipoPersona: 'NATURAL', tipoDocumento: 'DNI' }, ...data });

export const registroForm = (ctx: Context, _deps: AppDeps, views: Views) => registroPage(ctx, views);

const COMMON_FIELDS = ['email', 'emailConfirmacion', 'password', 'passwordConfirmacion', 'aceptaTerminos', 'aceptaPrivacidad', 'aceptaCasilla'];

/** Both fieldsets arrive when the page runs without JavaScript: only the chosen one is sent. */
function registrationInput(body: Body) {
  const tipo = body.tipoPersona;
  const pick = (keys: string[]) => Object.fromEntries(keys.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]));
  if (tipo === 'NATURAL') {
    return { tipoPersona: tipo, ...pick(['tipoDocumento', 'numeroDocumento', 'nombres', 'apellidoPaterno', 'apellidoMaterno', 'fechaNacimiento', 'telefono', 'direccion', ...COMMON_FIELDS]) };
  }
  if (tipo === 'JURIDICA') return { tipoPersona: tipo, ...pick(['ruc', 'razonSocial', 'domicilioFiscal', 'representante', ...COMMON_FIELDS]), telefono: body.telefonoEmpresa };
  return body;
}

export async function registrar(ctx: Context, deps: AppDeps, views: Views) {
  const body = nest(formOf(ctx), 'representante');
  const res = await attempt(() => register(deps, registrationInput(body), ctx.ip));
  if (res.ok) return seeOther(ctx, `/cuentas/verificar?email=${encodeURIComponent(res.value.email)}&nuevo=1`);
  failed(ctx, res.err);
  const rename = (f: string) => (body.tipoPersona === 'JURIDICA' && f === 'telefono' ? 'telefonoEmpresa' : f);
  registroPage(ctx, views, { valores: keep(body), ...problem(res.err, rename) });
}

// ---------- e-mail verification ----------

const verificarPage = (ctx: Context, views: Views, data: Body) => views.render(ctx, 'verificar', { titulo: 'Confirme su correo electrónico', ...data });

async function verify(ctx: Context, deps: AppDeps, views: Views, values: Body) {
  const res = await attempt(() => verifyEmail(deps, values));
  if (res.ok) {
    const aviso = res.value.yaVerificado ? 'Su correo ya estaba confirmado. Ya puede ingresar.' : 'Correo confirmado. Ya puede ingresar.';
    return verificarPage(ctx, views, { confirmado: true, aviso });
  }
  failed(ctx, res.err);
  verificarPage(ctx, views, { valores: keep(values), ...problem(res.err) });
}

/** The form, or (from the mailed link) the confirmation itself. */
export async function verificarForm(ctx: Context, deps: AppDeps, views: Views) {
  const email = str(ctx.query.email);
  const codigo = str(ctx.query.codigo);
  if (email && codigo) return verify(ctx, deps, views, { email, codigo });
  verificarPage(ctx, views, { valores: { email: email ?? '' }, nuevo: ctx.query.nuevo === '1' && !!email });
}

export const verificar = (ctx: Context, deps: AppDeps, views: Views) => verify(ctx, deps, views, formOf(ctx));

export async function reenviarCodigo(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => resendCode(deps, body));
  const valores = { email: str(body.email) ?? '' };
  if (res.ok) return verificarPage(ctx, views, { valores, aviso: 'Le enviamos un nuevo código si la cuenta existe y no está confirmada.' });
  failed(ctx, res.err);
  // The resend form has its own email input (id f-reenvio-email); its message goes there.
  verificarPage(ctx, views, {
    valores,
    alerta: res.err.message,
    alertaCampo: res.err.field ? 'f-reenvio-email' : undefined,
    errores: res.err.field ? { reenvio: res.err.message } : {},
  });
}

// ---------- forgotten password ----------

const olvidoPage = (ctx: Context, views: Views, data: Body) => views.render(ctx, 'clave-olvido', { titulo: '¿Olvidó su contraseña?', ...data });
const restablecerPage = (ctx: Context, views: Views, data: Body) => views.render(ctx, 'clave-restablecer', { titulo: 'Crear una contraseña nueva', ...data });

export const olvidoForm = (ctx: Context, _deps: AppDeps, views: Views) => olvidoPage(ctx, views, { valores: {} });

export async function olvido(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => forgotPassword(deps, body, ctx.ip));
  if (res.ok) {
    return olvidoPage(ctx, views, {
      valores: {},
      aviso: 'Si el correo corresponde a una cuenta, le enviamos un enlace para crear una contraseña nueva. Revise también su carpeta de correo no deseado.',
    });
  }
  failed(ctx, res.err);
  olvidoPage(ctx, views, { valores: keep(body), ...problem(res.err) });
}

export async function restablecerForm(ctx: Context, deps: AppDeps, views: Views) {
  const token = str(ctx.query.token) ?? '';
  const why = await resetLinkProblem(deps, token);
  if (why) {
    ctx.status = 410;
    return restablecerPage(ctx, views, { problema: true, alerta: why });
  }
  restablecerPage(ctx, views, { token });
}

export async function restablecer(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const res = await attempt(() => resetPassword(deps, body));
  if (res.ok) return restablecerPage(ctx, views, { listo: true, aviso: 'Su contraseña fue cambiada. Ya puede ingresar.' });
  failed(ctx, res.err);
  // A link that can no longer be used, or a malformed token, cannot be fixed in this form.
  if (res.err.status === 410 || res.err.field === 'token') return restablecerPage(ctx, views, { problema: true, alerta: res.err.message });
  restablecerPage(ctx, views, { token: str(body.token), ...problem(res.err) });
}

// ---------- logged in: password and profile ----------

const clavePage = (ctx: Context, views: Views, data: Body) => views.render(ctx, 'cuenta-clave', { titulo: 'Cambiar contraseña', ...data });

export const claveForm = (ctx: Context, _deps: AppDeps, views: Views) => clavePage(ctx, views, {});

export async function cambiarClave(ctx: Context, deps: AppDeps, views: Views) {
  const res = await attempt(() => changePassword(deps, requireCuenta(ctx), formOf(ctx)));
  if (res.ok) return clavePage(ctx, views, { listo: true, aviso: 'Su contraseña fue cambiada. Se cerraron sus otras sesiones.' });
  failed(ctx, res.err);
  clavePage(ctx, views, problem(res.err));
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

async function perfilPage(ctx: Context, deps: AppDeps, views: Views, data: Body) {
  const p = requireCuenta(ctx);
  const perfil = await getProfile(deps, p);
  const valores = data.valores ?? {
    nombres: perfil.nombres,
    apellidoPaterno: perfil.apellidoPaterno,
    apellidoMaterno: perfil.apellidoMaterno,
    telefono: perfil.telefono,
    direccion: perfil.direccion,
    domicilioFiscal: perfil.domicilioFiscal,
    avisos: perfil.avisos,
  };
  views.render(ctx, 'cuenta-perfil', {
    titulo: 'Mi perfil',
    perfil,
    segundoFactor: await secondFactorStatus(deps, p.cuentaId, perfil.rol),
    documento: perfil.numeroDocumento ? `${perfil.tipoDocumento} ${perfil.numeroDocumento}` : '',
    fechaNacimiento: isoDay(perfil.fechaNacimiento),
    ...data,
    valores,
  });
}

export const perfil = (ctx: Context, deps: AppDeps, views: Views) =>
  perfilPage(ctx, deps, views, ctx.query.guardado === '1' ? { aviso: 'Sus datos fueron actualizados.' } : {});

const EDITABLE = ['nombres', 'apellidoPaterno', 'apellidoMaterno', 'telefono', 'direccion', 'domicilioFiscal', 'avisos'];

export async function guardarPerfil(ctx: Context, deps: AppDeps, views: Views) {
  const body = formOf(ctx);
  const input: Body = {};
  for (const k of EDITABLE) if (body[k] !== undefined) input[k] = body[k];
  // A phone or second surname left empty (staff accounts may have none) is "no change", not an invalid value.
  for (const k of ['telefono', 'apellidoMaterno']) if (input[k] === '') delete input[k];
  const res = await attempt(() => updateProfile(deps, requireCuenta(ctx), input));
  if (res.ok) return seeOther(ctx, '/cuenta/perfil?guardado=1');
  failed(ctx, res.err);
  await perfilPage(ctx, deps, views, { valores: keep(body), ...problem(res.err) });
}

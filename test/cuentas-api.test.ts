// Accounts over HTTP against the real stack: registration, mailed codes (real SMTP), sessions,
// throttles and expiries (injected clock), passwords, profile, staff, API tokens. Serial: the
// tests share one clock that some of them move.
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { manualClock } from '../lib/clock';
import { startStack, postJson } from './helpers/stack';
import { clientWith, cookiesFrom, fileMultipart, loginAs } from './helpers/http';
import type { CaughtMail } from '../lib/mailcatcher';
import { until } from './helpers/wait';

const clock = manualClock(new Date('2026-11-23T15:00:00Z'));
type Stack = Awaited<ReturnType<typeof startStack>>;
const test = anyTest as TestFn<Stack>;
test.before(async (t) => {
  t.context = await startStack({}, { clock });
});
test.after.always((t) => t.context.close());

let seq = 0;
/** A distinct valid DNI and email per call. */
function natural(overrides: Record<string, unknown> = {}) {
  seq += 1;
  return {
    tipoPersona: 'NATURAL',
    tipoDocumento: 'DNI',
    numeroDocumento: String(41000000 + seq),
    nombres: 'Carmen Rosa',
    apellidoPaterno: 'Huamaní',
    apellidoMaterno: 'Ñahui',
    fechaNacimiento: '1988-03-12',
    telefono: '987 654 321',
    email: `carmen${seq}@correo.pe`,
    emailConfirmacion: `carmen${seq}@correo.pe`,
    password: 'Clave2026x',
    passwordConfirmacion: 'Clave2026x',
    aceptaTerminos: true,
    aceptaPrivacidad: true,
    aceptaCasilla: true,
    ...overrides,
  };
}

const codeIn = (m: CaughtMail) => /\b(\d{6})\b/.exec(m.text)![1];
const mailTo = (t: ExecutionContext<Stack>, to: string, subject?: RegExp) =>
  t.context.mail.waitFor((m) => m.to.includes(to) && (!subject || subject.test(m.subject)));

async function registered(t: ExecutionContext<Stack>, overrides: Record<string, unknown> = {}) {
  const data = natural(overrides);
  const r = await postJson(`${t.context.base}/api/v1/cuentas`, data);
  t.is(r.status, 201, JSON.stringify(r.body));
  const mail = await mailTo(t, data.email as string, /Confirme su correo/);
  return { data, mail, code: codeIn(mail) };
}

test.serial('persona natural registers, confirms the mailed code and logs in', async (t) => {
  const { base, db } = t.context;
  const { data, mail, code } = await registered(t);
  t.regex(mail.text, /\/cuentas\/verificar\?email=/);
  t.true(mail.html.length > 0);

  const early = await postJson(`${base}/api/v1/sesiones`, { usuario: data.email, password: data.password });
  t.is(early.status, 403);
  t.is(early.body.error.code, 'CUENTA_NO_VERIFICADA');

  const wrong = await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: code === '000000' ? '111111' : '000000' });
  t.is(wrong.status, 400);
  t.is(wrong.body.error.message, 'El código no es correcto. Le quedan 4 intentos.');

  const ok = await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: code });
  t.is(ok.status, 200);

  // Log in by document number too.
  const s = await postJson(`${base}/api/v1/sesiones`, { usuario: data.numeroDocumento, password: data.password });
  t.is(s.status, 200);
  t.is(s.body.usuario, data.email);
  t.is(s.body.rol, 'ciudadano');
  t.truthy(s.body.csrfToken);

  const consents = await db('consentimientos').join('cuentas', 'cuentas.id', 'consentimientos.cuenta_id').where({ email: data.email }).pluck('tipo');
  t.deepEqual(consents.sort(), ['CASILLA', 'PRIVACIDAD', 'TERMINOS']);
});

test.serial('the session cookie is httpOnly and SameSite=Lax; /sesiones/actual and logout', async (t) => {
  const { base } = t.context;
  const res = await fetch(`${base}/api/v1/sesiones`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ usuario: 'ciudadano@demo.pe', password: 'MesaDemo2026' }),
  });
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('mpv_sesion='))!;
  t.regex(setCookie, /httponly/i);
  t.regex(setCookie, /samesite=lax/i);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const c = clientWith(base, cookiesFrom(res), csrfToken);
  const me = (await (await c.get('/api/v1/sesiones/actual')).json()) as { usuario: string; nombre: string; csrfToken: string };
  t.is(me.usuario, 'ciudadano@demo.pe');
  t.is(me.nombre, 'Rosa Quispe Mamani');
  t.is(me.csrfToken, csrfToken);
  t.is((await c.json('DELETE', '/api/v1/sesiones/actual')).status, 204);
  t.is((await c.get('/api/v1/sesiones/actual')).status, 401);
});

test.serial('persona jurídica registers with RUC and representative; bad RUC is refused', async (t) => {
  const { base } = t.context;
  const base_ = {
    tipoPersona: 'JURIDICA',
    razonSocial: 'Servicios Andinos S.A.C.',
    domicilioFiscal: 'Av. Los Próceres 123, Huancayo',
    telefono: '064 123456',
    representante: { tipoDocumento: 'DNI', numeroDocumento: '45781236', nombres: 'Luis', apellidoPaterno: 'Rojas', apellidoMaterno: 'Vega', telefono: '999888777' },
    email: 'mesa@serviciosandinos.pe',
    emailConfirmacion: 'mesa@serviciosandinos.pe',
    password: 'Empresa2026',
    passwordConfirmacion: 'Empresa2026',
    aceptaTerminos: true,
    aceptaPrivacidad: true,
    aceptaCasilla: true,
  };
  const bad = await postJson(`${base}/api/v1/cuentas`, { ...base_, ruc: '20131312956' });
  t.is(bad.status, 400);
  t.is(bad.body.error.campo, 'ruc');
  t.is(bad.body.error.message, 'El RUC no es válido: el dígito verificador no corresponde.');
  const ok = await postJson(`${base}/api/v1/cuentas`, { ...base_, ruc: '20131312955' });
  t.is(ok.status, 201);
  await mailTo(t, 'mesa@serviciosandinos.pe');
});

test.serial('every field is validated with a Spanish message naming it', async (t) => {
  const { base } = t.context;
  const cases: [Record<string, unknown>, string, string][] = [
    [{ numeroDocumento: '1234567' }, 'numeroDocumento', 'El DNI debe tener 8 dígitos.'],
    [{ tipoDocumento: 'CE', numeroDocumento: '12345678' }, 'numeroDocumento', 'El CE debe tener 9 dígitos.'],
    [{ emailConfirmacion: 'otro@correo.pe' }, 'emailConfirmacion', 'Los correos electrónicos no coinciden.'],
    [{ passwordConfirmacion: 'Otra2026x' }, 'passwordConfirmacion', 'Las contraseñas no coinciden.'],
    [{ password: 'corta', passwordConfirmacion: 'corta' }, 'password', 'La contraseña debe tener al menos 8 caracteres, una letra mayúscula y un número.'],
    [{ aceptaCasilla: false }, 'aceptaCasilla', 'Debe aceptar la notificación por casilla electrónica (Ley 31736).'],
    [{ email: 'no-es-correo', emailConfirmacion: 'no-es-correo' }, 'email', 'El correo electrónico no es válido.'],
    [{ nombres: '<script>' }, 'nombres', 'Los nombres solo puede tener letras.'],
    [{ fechaNacimiento: '2990-01-01' }, 'fechaNacimiento', 'La fecha de nacimiento no es válida.'],
    [{ tipoPersona: 'OTRA' }, 'tipoPersona', 'Elija el tipo de persona: NATURAL o JURIDICA.'],
  ];
  for (const [change, campo, message] of cases) {
    const r = await postJson(`${base}/api/v1/cuentas`, natural(change));
    t.is(r.status, 400, campo);
    t.is(r.body.error.campo, campo);
    t.is(r.body.error.message, message);
  }
});

test.serial('an existing document or email answers 409 with a helpful message', async (t) => {
  const { base } = t.context;
  const { data } = await registered(t);
  const sameDoc = await postJson(`${base}/api/v1/cuentas`, natural({ numeroDocumento: data.numeroDocumento }));
  t.is(sameDoc.status, 409);
  t.is(sameDoc.body.error.message, 'Ya existe una cuenta con esos datos. Inicie sesión o recupere su contraseña.');
  const sameEmail = await postJson(`${base}/api/v1/cuentas`, natural({ email: data.email, emailConfirmacion: data.email }));
  t.is(sameEmail.status, 409);
});

test.serial('codes expire after 24 hours and allow 5 tries; resend is throttled to one a minute', async (t) => {
  const { base } = t.context;
  const { data, code } = await registered(t);
  const wrongCode = code === '999999' ? '999998' : '999999';
  for (let i = 0; i < 4; i++) await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: wrongCode });
  const fifth = await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: wrongCode });
  t.is(fifth.status, 429);
  t.is(fifth.body.error.message, 'Superó los 5 intentos. Solicite un código nuevo.');
  const afterFive = await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: code });
  t.is(afterFive.status, 429);

  const resend = await postJson(`${base}/api/v1/cuentas/verificacion/reenvio`, { email: data.email });
  t.is(resend.status, 202);
  const again = await postJson(`${base}/api/v1/cuentas/verificacion/reenvio`, { email: data.email });
  t.is(again.status, 429);
  t.regex(again.body.error.message, /Intente nuevamente en \d+ segundos\./);
  const mails = () => t.context.mail.messages.filter((m) => m.to.includes(data.email as string));
  await t.context.mail.waitFor((m) => m.to.includes(data.email as string) && codeIn(m) !== code);
  t.is(mails().length, 2);
  const fresh = codeIn(mails()[1]);

  clock.advance(25 * 3600_000);
  const expired = await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: fresh });
  t.is(expired.status, 410);
  t.is(expired.body.error.message, 'El código venció. Solicite uno nuevo.');
  const third = await postJson(`${base}/api/v1/cuentas/verificacion/reenvio`, { email: data.email });
  t.is(third.status, 202);
  const newest = await t.context.mail.waitFor((m) => m.to.includes(data.email as string) && ![code, fresh].includes(codeIn(m)));
  t.is((await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: codeIn(newest) })).status, 200);
});

test.serial('resend for an unknown address answers the same and sends nothing', async (t) => {
  const { base, mail } = t.context;
  const before = mail.messages.length;
  const r = await postJson(`${base}/api/v1/cuentas/verificacion/reenvio`, { email: 'nadie@correo.pe' });
  t.is(r.status, 202);
  t.is(mail.messages.filter((m) => m.to.includes('nadie@correo.pe')).length, 0);
  t.true(mail.messages.length >= before);
});

test.serial('login is throttled per account after 5 failures and says when to retry', async (t) => {
  const { base } = t.context;
  const { data, code } = await registered(t);
  await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: code });
  for (let i = 0; i < 5; i++) {
    const r = await postJson(`${base}/api/v1/sesiones`, { usuario: data.email, password: 'Incorrecta1' });
    t.is(r.status, 401);
    t.is(r.body.error.message, 'Usuario o contraseña incorrectos.');
  }
  const blocked = await postJson(`${base}/api/v1/sesiones`, { usuario: data.email, password: data.password });
  t.is(blocked.status, 429);
  t.is(blocked.body.error.message, 'Demasiados intentos fallidos para esta cuenta. Intente nuevamente en 15 minutos.');
  clock.advance(16 * 60_000);
  t.is((await postJson(`${base}/api/v1/sesiones`, { usuario: data.email, password: data.password })).status, 200);
});

test.serial('forgot password: same answer for unknown addresses; single-use link valid 2 days; other sessions end', async (t) => {
  const { base } = t.context;
  const unknown = await postJson(`${base}/api/v1/cuentas/clave/olvido`, { email: 'desconocido@correo.pe' });
  const { data, code } = await registered(t);
  await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: code });
  const old = await loginAs(base, data.email as string, data.password as string);
  const known = await postJson(`${base}/api/v1/cuentas/clave/olvido`, { email: data.email });
  t.deepEqual([unknown.status, unknown.body], [known.status, known.body]);
  t.is(known.status, 202);

  const mail = await mailTo(t, data.email as string, /contraseña/i);
  const token = /token=([\w-]+)/.exec(mail.text)![1];
  const reset = await postJson(`${base}/api/v1/cuentas/clave/restablecer`, { token, password: 'Nueva2026x', passwordConfirmacion: 'Nueva2026x' });
  t.is(reset.status, 200);
  t.is((await old.get('/api/v1/sesiones/actual')).status, 401);
  const reused = await postJson(`${base}/api/v1/cuentas/clave/restablecer`, { token, password: 'Otra2026xx', passwordConfirmacion: 'Otra2026xx' });
  t.is(reused.status, 410);
  t.regex(reused.body.error.message, /ya fue usado/);
  await loginAs(base, data.email as string, 'Nueva2026x');

  await postJson(`${base}/api/v1/cuentas/clave/olvido`, { email: data.email });
  const second = await t.context.mail.waitFor((m) => m.to.includes(data.email as string) && /token=/.test(m.text) && !m.text.includes(token));
  const token2 = /token=([\w-]+)/.exec(second.text)![1];
  clock.advance(3 * 86_400_000);
  const late = await postJson(`${base}/api/v1/cuentas/clave/restablecer`, { token: token2, password: 'Tarde2026x', passwordConfirmacion: 'Tarde2026x' });
  t.is(late.status, 410);
  t.is(late.body.error.message, 'El enlace venció. Solicite uno nuevo.');
});

test.serial('changing the password ends every other session and mails a notice', async (t) => {
  const { base } = t.context;
  const { data, code } = await registered(t);
  await postJson(`${base}/api/v1/cuentas/verificacion`, { email: data.email, codigo: code });
  const a = await loginAs(base, data.email as string, data.password as string);
  const b = await loginAs(base, data.email as string, data.password as string);
  const wrong = await a.json('PUT', '/api/v1/cuentas/clave', { passwordActual: 'Mala2026xx', password: 'Nueva2026x', passwordConfirmacion: 'Nueva2026x' });
  t.is(wrong.status, 400);
  t.is(wrong.body.error.campo, 'passwordActual');
  const ok = await a.json('PUT', '/api/v1/cuentas/clave', { passwordActual: data.password, password: 'Nueva2026x', passwordConfirmacion: 'Nueva2026x' });
  t.is(ok.status, 200);
  t.is((await a.get('/api/v1/sesiones/actual')).status, 200);
  t.is((await b.get('/api/v1/sesiones/actual')).status, 401);
  await mailTo(t, data.email as string, /cambi/i);
});

test.serial('profile: names, phone and address editable; document and email locked', async (t) => {
  const { base } = t.context;
  const c = await loginAs(base, 'ciudadano@demo.pe');
  const p = (await (await c.get('/api/v1/cuentas/perfil')).json()) as { numeroDocumento: string };
  t.is(p.numeroDocumento, '40000001');
  const upd = await c.json('PATCH', '/api/v1/cuentas/perfil', { telefono: '912345678', direccion: 'Jr. Ayacucho 456, Cusco' });
  t.is(upd.status, 200);
  t.is(upd.body.telefono, '912345678');
  t.is(upd.body.direccion, 'Jr. Ayacucho 456, Cusco');
  const locked = await c.json('PATCH', '/api/v1/cuentas/perfil', { email: 'otro@correo.pe' });
  t.is(locked.status, 400);
  t.regex(locked.body.error.message, /no se pueden modificar/);
  const locked2 = await c.json('PATCH', '/api/v1/cuentas/perfil', { numeroDocumento: '40000009' });
  t.is(locked2.status, 400);
});

test.serial('an idle session expires; activity keeps it alive', async (t) => {
  const { base } = t.context;
  const c = await loginAs(base, 'ciudadano@demo.pe');
  clock.advance(20 * 60_000);
  t.is((await c.get('/api/v1/sesiones/actual')).status, 200);
  clock.advance(20 * 60_000);
  t.is((await c.get('/api/v1/sesiones/actual')).status, 200);
  clock.advance(31 * 60_000);
  t.is((await c.get('/api/v1/sesiones/actual')).status, 401);
});

test.serial('admin creates staff who set their password by mailed link; roles are enforced', async (t) => {
  const { base } = t.context;
  const admin = await loginAs(base, 'admin@demo.gob.pe');
  const ciudadano = await loginAs(base, 'ciudadano@demo.pe');
  const body = { email: 'nuevo.personal@demo.gob.pe', nombres: 'Ana', apellidoPaterno: 'Flores', rol: 'unidad', unidad: 'OA' };
  t.is((await postJson(`${base}/api/v1/admin/cuentas`, body)).status, 401);
  t.is((await ciudadano.post('/api/v1/admin/cuentas', body)).status, 403);
  const missingUnit = await admin.post('/api/v1/admin/cuentas', { ...body, unidad: undefined });
  t.is(missingUnit.status, 400);
  t.is(missingUnit.body.error.campo, 'unidad');
  const created = await admin.post('/api/v1/admin/cuentas', body);
  t.is(created.status, 201);
  const mail = await mailTo(t, 'nuevo.personal@demo.gob.pe');
  const token = /token=([\w-]+)/.exec(mail.text)![1];
  t.is((await postJson(`${base}/api/v1/cuentas/clave/restablecer`, { token, password: 'Personal2026', passwordConfirmacion: 'Personal2026' })).status, 200);
  const staff = await loginAs(base, 'nuevo.personal@demo.gob.pe', 'Personal2026');
  const me = (await (await staff.get('/api/v1/sesiones/actual')).json()) as { rol: string; unidad: string };
  t.deepEqual([me.rol, me.unidad], ['unidad', 'OA']);
  const list = (await (await admin.get('/api/v1/admin/cuentas')).json()) as { cuentas: { email: string; rol: string }[] };
  t.true(list.cuentas.some((c) => c.email === 'nuevo.personal@demo.gob.pe' && c.rol === 'unidad'));
});

test.serial('API tokens: created by an admin, used as bearer, revocable', async (t) => {
  const { base, db } = t.context;
  // The admin's TOTP code of this 30-second step was used by the previous test's login.
  clock.advance(30_000);
  const admin = await loginAs(base, 'admin@demo.gob.pe');
  const created = await admin.post('/api/v1/admin/tokens', { nombre: 'Sistema de trámite documentario MINEDU' });
  t.is(created.status, 201);
  const token = created.body.token as string;
  t.regex(token, /^mpv_/);
  const stored = await db('api_tokens').where({ id: created.body.id }).first();
  t.not(stored.token_hash, token);

  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' };
  const filed = await fileMultipart(base, { bearer: token }, { tipoDocumento: 'OFICIO', asunto: 'Remite expediente administrativo', remitente: 'Ministerio de Educación' });
  t.is(filed.status, 201);
  const { numero } = filed.body;
  t.is((await fetch(`${base}/api/v1/expedientes/${numero}`, { headers: auth })).status, 200);

  t.is((await admin.json('DELETE', `/api/v1/admin/tokens/${created.body.id}`)).status, 204);
  const after = await fetch(`${base}/api/v1/expedientes/${numero}`, { headers: auth });
  t.is(after.status, 401);
  t.is(((await after.json()) as { error: { message: string } }).error.message, 'El token de acceso no es válido o fue revocado.');
});

test.serial('an SMTP outage delays the verification mail, never drops or doubles it', async (t) => {
  const { base, mail, db } = t.context;
  mail.setDown(true);
  const data = natural();
  const r = await postJson(`${base}/api/v1/cuentas`, data);
  t.is(r.status, 201);
  // Wait until delivery has been tried and refused at least once.
  const row = () => db('correos').where({ destinatario: data.email }).first();
  await until(async () => Boolean((await row())?.ultimo_error));
  t.is(mail.messages.filter((m) => m.to.includes(data.email)).length, 0);
  t.regex((await row()).ultimo_error, /421/);
  mail.setDown(false);
  await mailTo(t, data.email);
  await until(async () => Boolean((await row()).enviado_en));
  t.is(mail.messages.filter((m) => m.to.includes(data.email)).length, 1);
});

test.serial('a failure mid-registration leaves no half-created account', async (t) => {
  const { base, db } = t.context;
  await db.raw(`create function falla() returns trigger as $$ begin raise exception 'falla inyectada'; end $$ language plpgsql`);
  await db.raw('create trigger falla before insert on codigos_verificacion for each row execute function falla()');
  t.teardown(async () => {
    await db.raw('drop trigger falla on codigos_verificacion');
    await db.raw('drop function falla()');
  });
  const data = natural();
  const r = await postJson(`${base}/api/v1/cuentas`, data);
  t.is(r.status, 500);
  t.is(r.body.error.code, 'ERROR_INTERNO');
  t.is(await db('cuentas').where({ email: data.email }).first(), undefined);
  t.is(await db('correos').where({ destinatario: data.email }).first(), undefined);
});

test.serial('an oversized body is refused with 413', async (t) => {
  const r = await postJson(`${t.context.base}/api/v1/cuentas`, natural({ direccion: 'x'.repeat(300_000) }));
  t.is(r.status, 413);
  t.is(r.body.error.message, 'El contenido enviado supera el tamaño permitido.');
});

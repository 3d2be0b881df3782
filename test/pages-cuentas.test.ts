// The account pages as a browser uses them: plain HTML forms posted urlencoded with the `_csrf`
// field, cookies kept between requests, redirects looked at one by one.
import anyTest, { type TestFn } from 'ava';
import { startStack, TEST_PASSWORD, uid } from './helpers/stack';
import { fileMultipart } from './helpers/http';
import { freshCode } from './helpers/totp';
import { rucCheckDigit } from '../domain/identity';

const test = anyTest as TestFn<Awaited<ReturnType<typeof startStack>>>;
test.before(async (t) => {
  t.context = await startStack();
});
test.after.always(async (t) => {
  await t.context.close();
});

interface Page {
  status: number;
  location: string | null;
  html: string;
}

/** A tiny browser: a cookie jar, no automatic redirects, the last page's `_csrf`. */
class Browser {
  cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly base: string) {}

  private async request(method: string, path: string, body?: URLSearchParams): Promise<Page> {
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(html);
    if (m) this.csrf = m[1];
    return { status: res.status, location: res.headers.get('location'), html };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** Posts the fields with the current `_csrf` (unless `csrf: false`). */
  post(path: string, fields: Record<string, string>, opts: { csrf?: boolean } = {}) {
    const body = new URLSearchParams(fields);
    if (opts.csrf !== false) body.set('_csrf', this.csrf);
    return this.request('POST', path, body);
  }

  /** Logs in through the form and, when the account has TOTP, its second step with the code. */
  async login(usuario: string, password = TEST_PASSWORD) {
    await this.get('/ingresar');
    const page = await this.post('/ingresar', { usuario, password });
    const desafio = /name="desafio" value="([^"]+)"/.exec(page.html)?.[1];
    if (!desafio) return page;
    return this.post('/ingresar/codigo', { desafio, codigo: await freshCode(this.base, usuario) });
  }
}

const randomDigits = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 10)).join('');
const dni = () => `7${randomDigits(7)}`;
function ruc() {
  const first10 = `20${randomDigits(8)}`;
  return `${first10}${rucCheckDigit(first10)}`;
}

function natural(email: string, overrides: Record<string, string> = {}) {
  return {
    tipoPersona: 'NATURAL',
    tipoDocumento: 'DNI',
    numeroDocumento: dni(),
    nombres: 'Juana',
    apellidoPaterno: 'Pérez',
    apellidoMaterno: 'Huanca',
    fechaNacimiento: '1988-03-21',
    telefono: '987 123 456',
    direccion: 'Av. Arequipa 123, Lima',
    email,
    emailConfirmacion: email,
    password: 'Clave2026x',
    passwordConfirmacion: 'Clave2026x',
    aceptaTerminos: 'on',
    aceptaPrivacidad: 'on',
    aceptaCasilla: 'on',
    ...overrides,
  };
}

const codeOf = (text: string) => /^\s+(\d{6})\s*$/m.exec(text)?.[1];

test('GET /ingresar shows the login form with a _csrf field and the links', async (t) => {
  const b = new Browser(t.context.base);
  const page = await b.get('/ingresar');
  t.is(page.status, 200);
  t.regex(page.html, /<form method="post" action="\/ingresar"/);
  t.regex(page.html, /<input type="hidden" name="_csrf" value="[\w-]{20,}">/);
  t.regex(page.html, /<label for="f-usuario">Correo electrónico o número de documento<\/label>/);
  t.regex(page.html, /autocomplete="current-password"/);
  t.regex(page.html, /href="\/clave\/olvido">¿Olvidó su contraseña\?/);
  t.regex(page.html, /href="\/registro">Crear una cuenta/);
  t.true(b.cookies.has('mpv_csrf'));
});

test('POST /ingresar without _csrf is refused with 403', async (t) => {
  const b = new Browser(t.context.base);
  await b.get('/ingresar');
  const page = await b.post('/ingresar', { usuario: 'ciudadano@demo.pe', password: TEST_PASSWORD }, { csrf: false });
  t.is(page.status, 403);
  t.false(b.cookies.has('mpv_sesion'));
});

test('a wrong password re-renders the form with 401, the message and the typed user', async (t) => {
  const b = new Browser(t.context.base);
  const page = await b.login('40000001', 'NoEsLaClave1');
  t.is(page.status, 401);
  t.regex(page.html, /role="alert"[\s\S]*Usuario o contraseña incorrectos\./);
  t.regex(page.html, /name="usuario" type="text" value="40000001"/);
  t.notRegex(page.html, /NoEsLaClave1/);
  t.false(b.cookies.has('mpv_sesion'));
});

test('a good password logs in (303 + session cookie); the home page is "Mis trámites"; Salir logs out', async (t) => {
  const b = new Browser(t.context.base);
  const page = await b.login('ciudadano@demo.pe');
  t.is(page.status, 303);
  t.is(page.location, '/');
  t.true(b.cookies.has('mpv_sesion'));

  const home = await b.get('/');
  t.is(home.status, 200);
  t.regex(home.html, /<h1>Mis trámites<\/h1>/);
  t.regex(home.html, /Rosa Quispe Mamani/);
  t.regex(home.html, /href="\/cuenta\/perfil">Mi perfil/);
  t.notRegex(home.html, /href="\/admin\/personal"/);

  const perfil = await b.get('/cuenta/perfil');
  t.is(perfil.status, 200);
  t.regex(perfil.html, /value="DNI 40000001" disabled/);
  t.regex(perfil.html, /name="nombres" type="text" value="Rosa"/);

  const out = await b.post('/salir', {});
  t.is(out.status, 303);
  t.is(out.location, '/');
  t.false(b.cookies.has('mpv_sesion'));
  const after = await b.get('/');
  t.regex(after.html, /Presente documentos las 24 horas/);
  t.regex(after.html, /href="\/ingresar">Ingresar/);
});

test('login goes back to a same-site ?volver= path, never to another site', async (t) => {
  const b = new Browser(t.context.base);
  const login = await b.get('/ingresar?volver=%2Fcuenta%2Fperfil');
  t.regex(login.html, /name="volver" value="\/cuenta\/perfil"/);
  const ok = await b.post('/ingresar', { usuario: 'ciudadano@demo.pe', password: TEST_PASSWORD, volver: '/cuenta/perfil' });
  t.is(ok.location, '/cuenta/perfil');

  const c = new Browser(t.context.base);
  await c.get('/ingresar');
  const evil = await c.post('/ingresar', { usuario: 'ciudadano@demo.pe', password: TEST_PASSWORD, volver: '//evil.example/x' });
  t.is(evil.location, '/');
});

test('registration of a persona natural: 303 to verification, the mailed code confirms, then login works', async (t) => {
  const { base, mail } = t.context;
  const email = `juana.${uid()}@correo.pe`;
  const b = new Browser(base);
  const form = await b.get('/registro');
  t.is(form.status, 200);
  t.regex(form.html, /Mínimo 8 caracteres, con una mayúscula, una minúscula y un número\./);
  t.regex(form.html, /Ley 31736/);

  const created = await b.post('/registro', natural(email));
  t.is(created.status, 303, created.html);
  t.is(created.location, `/cuentas/verificar?email=${encodeURIComponent(email)}&nuevo=1`);

  const verificar = await b.get(created.location!);
  t.is(verificar.status, 200);
  t.regex(verificar.html, /<input id="f-codigo" name="codigo" type="text" value="" autocomplete="one-time-code" inputmode="numeric" maxlength="6"/);
  t.regex(verificar.html, /action="\/cuentas\/verificar\/reenvio"/);
  t.regex(verificar.html, new RegExp(`name="email" type="email" value="${email.replace(/\./g, '\\.')}"`));

  // Not confirmed yet: logging in leads to the verification page.
  const early = await b.login(email, 'Clave2026x');
  t.is(early.status, 303);
  t.is(early.location, `/cuentas/verificar?email=${encodeURIComponent(email)}`);

  const m = await mail.waitFor((x) => x.to.includes(email));
  const codigo = codeOf(m.text);
  t.truthy(codigo, m.text);

  const wrong = await b.post('/cuentas/verificar', { email, codigo: codigo === '000000' ? '111111' : '000000' });
  t.is(wrong.status, 400);
  t.regex(wrong.html, /<p class="field-error" id="f-codigo-error">El código no es correcto\./);

  const ok = await b.post('/cuentas/verificar', { email, codigo: codigo! });
  t.is(ok.status, 200);
  t.regex(ok.html, /Correo confirmado\. Ya puede ingresar\./);
  t.regex(ok.html, /href="\/ingresar"/);

  const login = await b.login(email, 'Clave2026x');
  t.is(login.status, 303);
  const home = await b.get('/');
  t.regex(home.html, /Juana Pérez Huanca/);
  t.regex(home.html, /Aún no ha presentado expedientes\./);
});

test('registration of a persona jurídica nests representante[...] fields', async (t) => {
  const { base, db } = t.context;
  const email = `empresa.${uid()}@correo.pe`;
  const b = new Browser(base);
  await b.get('/registro');
  const numeroRuc = ruc();
  const repDni = dni();
  const page = await b.post('/registro', {
    tipoPersona: 'JURIDICA',
    // What a browser without JavaScript also sends: the natural fieldset, left empty.
    tipoDocumento: 'DNI',
    numeroDocumento: '',
    nombres: '',
    telefono: '',
    ruc: numeroRuc,
    razonSocial: 'Servicios Andinos S.A.C.',
    domicilioFiscal: 'Jr. Junín 456, Huancayo',
    telefonoEmpresa: '064 123456',
    'representante[tipoDocumento]': 'DNI',
    'representante[numeroDocumento]': repDni,
    'representante[nombres]': 'Carlos',
    'representante[apellidoPaterno]': 'Rojas',
    'representante[apellidoMaterno]': 'León',
    'representante[telefono]': '912345678',
    email,
    emailConfirmacion: email,
    password: 'Clave2026x',
    passwordConfirmacion: 'Clave2026x',
    aceptaTerminos: 'on',
    aceptaPrivacidad: 'on',
    aceptaCasilla: 'on',
  });
  t.is(page.status, 303, page.html);
  const row = await db('cuentas').where({ email }).first();
  t.is(row.tipo_persona, 'JURIDICA');
  t.is(row.numero_documento, numeroRuc);
  t.is(row.telefono, '064 123456');
  t.like(row.representante, { tipoDocumento: 'DNI', numeroDocumento: repDni, nombres: 'Carlos' });

  // A bad representative document comes back next to that field.
  const again = await b.post('/registro', {
    tipoPersona: 'JURIDICA',
    ruc: ruc(),
    razonSocial: 'Otra Empresa S.A.',
    domicilioFiscal: 'Jr. Junín 456, Huancayo',
    telefonoEmpresa: '064 123456',
    'representante[tipoDocumento]': 'DNI',
    'representante[numeroDocumento]': '123',
    'representante[nombres]': 'Carlos',
    'representante[apellidoPaterno]': 'Rojas',
    'representante[apellidoMaterno]': 'León',
    'representante[telefono]': '912345678',
    email: `otra.${uid()}@correo.pe`,
    emailConfirmacion: 'x',
    password: 'Clave2026x',
    passwordConfirmacion: 'Clave2026x',
    aceptaTerminos: 'on',
    aceptaPrivacidad: 'on',
    aceptaCasilla: 'on',
  });
  t.is(again.status, 400);
  t.regex(again.html, /id="f-representante-numeroDocumento-error">El DNI debe tener 8 dígitos\./);
  t.regex(again.html, /name="representante\[nombres\]" type="text" value="Carlos"/);
  t.regex(again.html, /value="JURIDICA" checked/);
});

test('a re-rendered registration keeps the values, never the passwords, and marks the bad DNI', async (t) => {
  const b = new Browser(t.context.base);
  await b.get('/registro');
  const email = `dni.${uid()}@correo.pe`;
  const page = await b.post('/registro', natural(email, { numeroDocumento: '1234567' }));
  t.is(page.status, 400);
  t.regex(page.html, /<div class="alert" role="alert" id="resumen">\s*<p>El DNI debe tener 8 dígitos\.<\/p>/);
  t.regex(page.html, /href="#f-numeroDocumento"/);
  t.regex(page.html, /id="f-numeroDocumento" name="numeroDocumento" type="text" value="1234567"[^>]*aria-describedby="f-numeroDocumento-ayuda f-numeroDocumento-error" aria-invalid="true">/);
  t.regex(page.html, /<p class="field-error" id="f-numeroDocumento-error">El DNI debe tener 8 dígitos\.<\/p>/);
  t.regex(page.html, /name="nombres" type="text" value="Juana"/);
  t.regex(page.html, /name="fechaNacimiento" type="date" value="1988-03-21"/);
  t.regex(page.html, /id="f-aceptaCasilla" name="aceptaCasilla" checked/);
  t.notRegex(page.html, /Clave2026x/);
});

test('HTML typed into nombres is shown escaped on re-render', async (t) => {
  const b = new Browser(t.context.base);
  await b.get('/registro');
  const page = await b.post('/registro', natural(`xss.${uid()}@correo.pe`, { nombres: '"><script>alert(1)</script>' }));
  t.is(page.status, 400);
  t.notRegex(page.html, /<script>alert\(1\)<\/script>/);
  t.regex(page.html, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  t.regex(page.html, /id="f-nombres-error">Los nombres solo puede tener letras\./);
});

test('admin pages: anonymous → /ingresar?volver=, citizen → 403, admin sees staff and creates a token once', async (t) => {
  const { base } = t.context;
  const anon = new Browser(base);
  const redirected = await anon.get('/admin/personal');
  t.is(redirected.status, 303);
  t.is(redirected.location, '/ingresar?volver=%2Fadmin%2Fpersonal');

  const citizen = new Browser(base);
  t.is((await citizen.login('ciudadano@demo.pe')).status, 303);
  const forbidden = await citizen.get('/admin/personal');
  t.is(forbidden.status, 403);
  t.regex(forbidden.html, /No tiene permiso/);
  t.is((await citizen.get('/admin/tokens')).status, 403);

  const admin = new Browser(base);
  t.is((await admin.login('admin@demo.gob.pe')).status, 303);
  // Personal and Tokens de API are administration pages: reached from its index (issue #15).
  const index = await admin.get('/admin');
  t.regex(index.html, /href="\/admin\/personal">Personal/);
  t.regex(index.html, /href="\/admin\/tokens">Tokens de API/);
  const personal = await admin.get('/admin/personal');
  t.is(personal.status, 200);
  t.regex(personal.html, /mesa@demo\.gob\.pe/);
  t.regex(personal.html, /<option value="OAJ"/);

  const missingUnit = await admin.post('/admin/personal', { email: `p.${uid()}@demo.gob.pe`, nombres: 'Ana', apellidoPaterno: 'Flores', apellidoMaterno: '', rol: 'unidad', unidad: '' });
  t.is(missingUnit.status, 400);
  t.regex(missingUnit.html, /id="f-unidad-error">Elija la unidad orgánica del personal\./);

  const staffEmail = `p.${uid()}@demo.gob.pe`;
  const created = await admin.post('/admin/personal', { email: staffEmail, nombres: 'Ana', apellidoPaterno: 'Flores', apellidoMaterno: '', rol: 'unidad', unidad: 'OAJ' });
  t.is(created.status, 303);
  const list = await admin.get(created.location!);
  t.regex(list.html, new RegExp(staffEmail.replace(/\./g, '\\.')));

  const token = await admin.post('/admin/tokens', { nombre: 'Sistema de prueba' });
  t.is(token.status, 200);
  const shown = /id="token-valor" class="token" type="text" value="(mpv_[\w-]+)"/.exec(token.html)?.[1];
  t.truthy(shown);
  t.regex(token.html, /Copie este token ahora: no se volverá a mostrar\./);
  const again = await admin.get('/admin/tokens');
  t.false(again.html.includes(shown!));
  t.regex(again.html, /Sistema de prueba/);
});

test('forgotten password → mailed link → new password; change password; edit the profile', async (t) => {
  const { base, mail } = t.context;
  const email = `reset.${uid()}@correo.pe`;
  const b = new Browser(base);
  await b.get('/registro');
  t.is((await b.post('/registro', natural(email))).status, 303);

  const olvido = await b.get('/clave/olvido');
  t.is(olvido.status, 200);
  const neutral = await b.post('/clave/olvido', { email });
  t.is(neutral.status, 200);
  t.regex(neutral.html, /Si el correo corresponde a una cuenta, le enviamos un enlace/);
  const unknown = await b.post('/clave/olvido', { email: `nadie.${uid()}@correo.pe` });
  t.regex(unknown.html, /Si el correo corresponde a una cuenta, le enviamos un enlace/);

  const m = await mail.waitFor((x) => x.to.includes(email) && /restablecer\?token=/.test(x.text));
  const token = /\/clave\/restablecer\?token=([\w-]+)/.exec(m.text)![1];
  const bad = await b.get('/clave/restablecer?token=no-sirve');
  t.is(bad.status, 410);
  t.regex(bad.html, /El enlace no es válido\./);
  t.regex(bad.html, /href="\/clave\/olvido">Solicitar un enlace nuevo/);

  const form = await b.get(`/clave/restablecer?token=${token}`);
  t.is(form.status, 200);
  t.regex(form.html, new RegExp(`name="token" value="${token}"`));
  const mismatch = await b.post('/clave/restablecer', { token, password: 'Nueva2026x', passwordConfirmacion: 'Otra2026x' });
  t.is(mismatch.status, 400);
  t.regex(mismatch.html, /id="f-passwordConfirmacion-error">Las contraseñas no coinciden\./);
  const done = await b.post('/clave/restablecer', { token, password: 'Nueva2026x', passwordConfirmacion: 'Nueva2026x' });
  t.is(done.status, 200);
  t.regex(done.html, /Su contraseña fue cambiada\. Ya puede ingresar\./);
  const used = await b.get(`/clave/restablecer?token=${token}`);
  t.is(used.status, 410);
  t.regex(used.html, /ya fue usado/);

  // The link proved the address, so the account can log in.
  t.is((await b.login(email, 'Nueva2026x')).status, 303);

  const claveForm = await b.get('/cuenta/clave');
  t.regex(claveForm.html, /autocomplete="current-password"/);
  const wrong = await b.post('/cuenta/clave', { passwordActual: 'NoEs2026x', password: 'Otra2026x', passwordConfirmacion: 'Otra2026x' });
  t.is(wrong.status, 400);
  t.regex(wrong.html, /id="f-passwordActual-error">La contraseña actual no es correcta\./);
  const changed = await b.post('/cuenta/clave', { passwordActual: 'Nueva2026x', password: 'Otra2026x', passwordConfirmacion: 'Otra2026x' });
  t.is(changed.status, 200);
  t.regex(changed.html, /Se cerraron sus otras sesiones/);

  const before = await b.get('/cuenta/perfil');
  t.regex(before.html, new RegExp(`type="email" value="${email.replace(/\./g, '\\.')}" disabled>`));
  t.notRegex(before.html, /name="email"/);
  const saved = await b.post('/cuenta/perfil', { nombres: 'Juana María', apellidoPaterno: 'Pérez', apellidoMaterno: 'Huanca', telefono: '999888777', direccion: '' });
  t.is(saved.status, 303);
  t.is(saved.location, '/cuenta/perfil?guardado=1');
  const perfil = await b.get(saved.location!);
  t.regex(perfil.html, /Sus datos fueron actualizados\./);
  t.regex(perfil.html, /<span class="quien">Juana María Pérez Huanca<\/span>/);
  t.regex(perfil.html, /name="telefono" type="tel" value="999888777"/);
  const badPhone = await b.post('/cuenta/perfil', { nombres: 'Juana', apellidoPaterno: 'Pérez', apellidoMaterno: 'Huanca', telefono: 'abc' });
  t.is(badPhone.status, 400);
  t.regex(badPhone.html, /id="f-telefono-error">El teléfono debe tener/);
  t.regex(badPhone.html, /name="telefono" type="tel" value="abc"/);
});

test('the verification link in the mail confirms by GET; the resend button answers neutrally', async (t) => {
  const { base, mail } = t.context;
  const email = `enlace.${uid()}@correo.pe`;
  const b = new Browser(base);
  await b.get('/registro');
  t.is((await b.post('/registro', natural(email))).status, 303);
  const m = await mail.waitFor((x) => x.to.includes(email));
  const link = /(\/cuentas\/verificar\?email=[^\s]+&codigo=\d{6})/.exec(m.text)![1];
  const page = await b.get(link);
  t.is(page.status, 200);
  t.regex(page.html, /Correo confirmado\. Ya puede ingresar\./);

  const resend = await b.post('/cuentas/verificar/reenvio', { email: `nadie.${uid()}@correo.pe` });
  t.is(resend.status, 200);
  t.regex(resend.html, /Le enviamos un nuevo código si la cuenta existe y no está confirmada\./);
});

test('an expediente page is for its filer and staff only; Mis trámites lists the citizen\'s own', async (t) => {
  const { base } = t.context;
  const owner = new Browser(base);
  t.is((await owner.login('ciudadano@demo.pe')).status, 303);
  await owner.get('/');
  const res = await fileMultipart(base, { csrf: owner.csrf, cookie: [...owner.cookies].map(([k, v]) => `${k}=${v}`).join('; ') }, { asunto: 'Solicito copia certificada' });
  t.is(res.status, 201);
  const { numero } = res.body as { numero: string };

  const mine = await owner.get('/');
  t.regex(mine.html, new RegExp(`href="/expedientes/${numero}">${numero}</a>`));
  t.is((await owner.get(`/expedientes/${numero}`)).status, 200);

  const anon = await new Browser(base).get(`/expedientes/${numero}`);
  t.is(anon.status, 303);
  t.is(anon.location, `/ingresar?volver=${encodeURIComponent(`/expedientes/${numero}`)}`);

  const staff = new Browser(base);
  t.is((await staff.login('mesa@demo.gob.pe')).status, 303);
  const tray = await staff.get('/');
  t.regex(tray.html, /<h1>Expedientes<\/h1>/);
  t.is((await staff.get(`/expedientes/${numero}`)).status, 200);

  // Another citizen: as if it did not exist.
  const email = `otro.${uid()}@correo.pe`;
  const other = new Browser(base);
  await other.get('/registro');
  t.is((await other.post('/registro', natural(email))).status, 303);
  const m = await t.context.mail.waitFor((x) => x.to.includes(email));
  t.is((await other.post('/cuentas/verificar', { email, codigo: codeOf(m.text)! })).status, 200);
  t.is((await other.login(email, 'Clave2026x')).status, 303);
  t.is((await other.get(`/expedientes/${numero}`)).status, 404);
  t.notRegex((await other.get('/')).html, new RegExp(numero));
});

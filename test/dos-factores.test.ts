// Two-factor authentication (TOTP, RFC 6238) through the API: the login in two steps with a
// single-use desafío, codes good once, throttled like passwords; recovery codes; enrolment and
// disabling, audited and mailed; forced enrolment for DOBLE_FACTOR_ROLES; bearer tokens untouched.
// Serial: the tests share one clock that they move (TOTP steps, the desafío's 5 minutes).
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { manualClock } from '../lib/clock';
import { sha256, unseal } from '../lib/secrets';
import { startStack, TEST_PASSWORD, uid } from './helpers/stack';
import { clientWith, cookiesFrom, enrolTotp, extraAccount, loginAs } from './helpers/http';
import { DEMO_ADMIN, codeAt, freshCode, rememberSecret, wrongCodeAt } from './helpers/totp';

const clock = manualClock(new Date());
type Stack = Awaited<ReturnType<typeof startStack>>;
const test = anyTest as TestFn<Stack>;
test.before(async (t) => {
  // A desafío dies after 3 wrong codes, an account is throttled after 5, a connection after 7.
  t.context = await startStack({ CODIGO_INTENTOS: '3', LOGIN_FALLOS_CUENTA: '5', LOGIN_FALLOS_IP: '7' }, { clock });
});
test.after.always(async (t) => {
  await t.context?.close();
});

/** Every test starts in a time step no login has used, with the throttling windows closed. */
test.beforeEach(() => {
  clock.advance(16 * 60_000);
});

async function send(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, cookie: cookiesFrom(res), headers: res.headers };
}

/** The password step of an account with a second factor: its desafío. */
async function passwordStep(base: string, usuario: string, password = TEST_PASSWORD) {
  const r = await send(base, 'POST', '/api/v1/sesiones', { usuario, password });
  if (r.status !== 202) throw new Error(`login ${usuario}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.desafio as string;
}

const secondStep = (base: string, desafio: string, codigo: string) => send(base, 'POST', '/api/v1/sesiones/segundo-factor', { desafio, codigo });

/** The next 30-second step: the codes of the current one may have been used already. */
const nextStep = () => clock.advance(30_000);

/** A citizen enrolled through the API, with its secret and recovery codes. */
async function enrolledAccount(t: ExecutionContext<Stack>) {
  const { base, db } = t.context;
  const email = `dos.pasos.${uid()}@correo.pe`;
  const client = await extraAccount(base, db, email, { rol: 'ciudadano' });
  const enrolled = await enrolTotp(base, client, email);
  nextStep();
  const { id } = await db('cuentas').where({ email }).first('id');
  return { email, id: id as number, client, ...enrolled };
}

const wrongCode = (secret: string) => wrongCodeAt(secret, clock.now());

const auditOf = (t: ExecutionContext<Stack>, cuentaId: number) =>
  t.context.db('auditoria').where({ entidad: 'segundo_factor', clave: String(cuentaId) }).orderBy('id');
const mailTo = (t: ExecutionContext<Stack>, to: string, subject: RegExp) => t.context.mail.waitFor((m) => m.to.includes(to) && subject.test(m.subject));

test.serial('an enrolled account logs in in two steps: 202 with a desafío and no cookie, then the code gives the session', async (t) => {
  const { base } = t.context;
  const first = await send(base, 'POST', '/api/v1/sesiones', { usuario: DEMO_ADMIN, password: TEST_PASSWORD });
  t.is(first.status, 202);
  t.deepEqual(Object.keys(first.body).sort(), ['desafio', 'segundoFactor']);
  t.is(first.body.segundoFactor, 'totp');
  t.regex(first.body.desafio, /^[\w-]{40,}$/);
  t.is(first.cookie, '');
  t.is((await send(base, 'GET', '/api/v1/sesiones/actual')).status, 401);

  const second = await send(base, 'POST', '/api/v1/sesiones/segundo-factor', { desafio: first.body.desafio, codigo: await freshCode(base, DEMO_ADMIN) });
  t.is(second.status, 200);
  t.regex(second.cookie, /mpv_sesion=/);
  t.like(second.body, { usuario: DEMO_ADMIN, rol: 'admin' });
  const auth = { cookie: second.cookie, 'x-csrf-token': second.body.csrfToken };
  const me = await send(base, 'GET', '/api/v1/sesiones/actual', undefined, auth);
  t.is(me.status, 200);
  t.is(me.body.csrfToken, second.body.csrfToken);
  // The token works for a CSRF-protected call; without it the same call is refused.
  t.is((await send(base, 'PATCH', '/api/v1/cuentas/perfil', { nombres: 'Luis Alberto' }, auth)).status, 200);
  t.is((await send(base, 'PATCH', '/api/v1/cuentas/perfil', { nombres: 'Luis' }, { cookie: second.cookie })).status, 403);
});

test.serial('wrong codes are 401; the desafío dies after CODIGO_INTENTOS; account and connection are throttled (429) like passwords', async (t) => {
  const { base, config } = t.context;
  const { codeAttempts, loginFailuresPerAccount, loginFailuresPerIp } = config.accounts;
  const a = await enrolledAccount(t);
  let desafio = await passwordStep(base, a.email);
  let onThisDesafio = 0;
  for (let failure = 1; failure <= loginFailuresPerAccount; failure++) {
    const r = await secondStep(base, desafio, await wrongCode(a.secreto));
    t.is(r.status, 401, `failure ${failure}`);
    onThisDesafio += 1;
    if (onThisDesafio === codeAttempts) {
      t.is(r.body.error.code, 'DESAFIO_INVALIDO');
      t.is(r.body.error.message, `Superó los ${codeAttempts} intentos con este ingreso. Ingrese nuevamente con su correo y contraseña.`);
      t.is((await secondStep(base, desafio, await freshCode(base, a.email))).body.error.code, 'DESAFIO_INVALIDO');
      nextStep();
      desafio = await passwordStep(base, a.email);
      onThisDesafio = 0;
    } else {
      t.deepEqual(r.body.error, { code: 'CODIGO_INVALIDO', message: 'El código de verificación no es correcto.' });
    }
  }
  // Now even the right code waits, and the password alone does not reset the count.
  const blocked = await secondStep(base, desafio, await freshCode(base, a.email));
  t.is(blocked.status, 429);
  t.regex(blocked.body.error.message, /^Demasiados códigos incorrectos para esta cuenta\. Intente nuevamente en \d+ minutos\.$/);
  t.truthy(blocked.headers.get('retry-after'));
  nextStep();
  t.is((await secondStep(base, await passwordStep(base, a.email), await freshCode(base, a.email))).status, 429);

  // Another account from the same connection: blocked once the connection's count is reached.
  const b = await enrolledAccount(t);
  const desafioB = await passwordStep(base, b.email);
  for (let failure = loginFailuresPerAccount + 1; failure <= loginFailuresPerIp; failure++) {
    t.is((await secondStep(base, desafioB, await wrongCode(b.secreto))).status, 401);
  }
  const byIp = await secondStep(base, desafioB, await freshCode(base, b.email));
  t.is(byIp.status, 429);
  t.regex(byIp.body.error.message, /^Demasiados códigos incorrectos desde su conexión\./);

  // When the window is over, both log in.
  clock.advance(config.accounts.loginWindowMinutes * 60_000);
  for (const who of [a, b]) t.is((await secondStep(base, await passwordStep(base, who.email), await freshCode(base, who.email))).status, 200);
});

test.serial('a code is good once: refused again inside its 30 s and for an older step; one step of clock drift is accepted', async (t) => {
  const { base } = t.context;
  const a = await enrolledAccount(t);
  const now = () => clock.now().getTime();
  const code = await codeAt(a.secreto, clock.now());
  t.is((await secondStep(base, await passwordStep(base, a.email), code)).status, 200);

  const desafio = await passwordStep(base, a.email);
  const replay = await secondStep(base, desafio, code);
  t.is(replay.status, 401);
  t.deepEqual(replay.body.error, { code: 'CODIGO_USADO', message: 'Ese código ya se usó. Espere a que su aplicación muestre el siguiente e ingréselo.' });
  // The previous step's code is within the drift window, but older than the one accepted.
  t.is((await secondStep(base, desafio, await codeAt(a.secreto, new Date(now() - 30_000)))).body.error.code, 'CODIGO_USADO');
  // A phone 30 s ahead: its code is accepted, and the same desafío is still alive for it.
  t.is((await secondStep(base, desafio, await codeAt(a.secreto, new Date(now() + 30_000)))).status, 200);

  // Two steps ahead is outside the window; 30 s later it is the next step, newer than the last.
  const later = await passwordStep(base, a.email);
  const twoAhead = await codeAt(a.secreto, new Date(now() + 60_000));
  t.is((await secondStep(base, later, twoAhead)).body.error.code, 'CODIGO_INVALIDO');
  nextStep();
  t.is((await secondStep(base, later, twoAhead)).status, 200);
});

test.serial('a desafío is single-use and dies after 5 minutes', async (t) => {
  const { base } = t.context;
  const a = await enrolledAccount(t);
  const desafio = await passwordStep(base, a.email);
  t.is((await secondStep(base, desafio, await freshCode(base, a.email))).status, 200);
  nextStep();
  const again = await secondStep(base, desafio, await freshCode(base, a.email));
  t.is(again.status, 401);
  t.deepEqual(again.body.error, { code: 'DESAFIO_INVALIDO', message: 'El ingreso venció o ya se usó. Ingrese nuevamente con su correo y contraseña.' });

  const fourMinutes = await passwordStep(base, a.email);
  clock.advance(4 * 60_000 + 59_000);
  t.is((await secondStep(base, fourMinutes, await freshCode(base, a.email))).status, 200);

  const expired = await passwordStep(base, a.email);
  clock.advance(5 * 60_000);
  const code = await freshCode(base, a.email);
  const late = await secondStep(base, expired, code);
  t.is(late.status, 401);
  t.is(late.body.error.code, 'DESAFIO_INVALIDO');
  t.is(late.cookie, '');
  // The refused attempt did not spend the code: with a new desafío it logs in.
  t.is((await secondStep(base, await passwordStep(base, a.email), code)).status, 200);
});

test.serial('a recovery code logs in once, typed in any case and without the dash; never twice', async (t) => {
  const { base } = t.context;
  const a = await enrolledAccount(t);
  const [first] = a.codigosRecuperacion;
  const r = await secondStep(base, await passwordStep(base, a.email), first.replace('-', '').toLowerCase());
  t.is(r.status, 200);
  t.regex(r.cookie, /mpv_sesion=/);
  t.is(r.body.codigosRecuperacionRestantes, 9);
  const again = await secondStep(base, await passwordStep(base, a.email), first);
  t.is(again.status, 401);
  t.is(again.body.error.code, 'CODIGO_USADO');
  const other = await secondStep(base, await passwordStep(base, a.email), 'ABCDE-FGHJK');
  t.is(other.body.error.code, 'CODIGO_INVALIDO');
  t.like((await a.client.get('/api/v1/cuentas/segundo-factor').then((x) => x.json())) as object, { activo: true, codigosRecuperacionRestantes: 9 });
});

test.serial('a secret sealed under another APP_SECRET: its codes get a clear 409, a recovery code still logs in', async (t) => {
  const { base, db } = t.context;
  const a = await enrolledAccount(t);
  const { seal } = await import('../lib/secrets');
  await db('segundos_factores').where({ cuenta_id: a.id }).update({ secreto_cifrado: seal('otra-clave-de-servidor-0123456789abcdef', 'totp', a.secreto, String(a.id)) });
  const r = await secondStep(base, await passwordStep(base, a.email), await codeAt(a.secreto, clock.now()));
  t.is(r.status, 409);
  t.is(r.body.error.code, 'SEGUNDO_FACTOR_ILEGIBLE');
  t.regex(r.body.error.message, /códigos de recuperación/);
  const ok = await secondStep(base, await passwordStep(base, a.email), a.codigosRecuperacion[0]);
  t.is(ok.status, 200);
});

test.serial('enrolment from the API: secret, otpauth URI and QR; a first code confirms it; 10 recovery codes; sealed and hashed; audited and mailed', async (t) => {
  const { base, db, config } = t.context;
  const email = `activa.${uid()}@correo.pe`;
  const c = await extraAccount(base, db, email, { rol: 'ciudadano' });
  const { id } = await db('cuentas').where({ email }).first('id');
  t.deepEqual((await (await c.get('/api/v1/cuentas/segundo-factor')).json()) as object, { activo: false, pendiente: false, requerido: false });
  t.is((await c.post('/api/v1/cuentas/segundo-factor/confirmacion', { codigo: '123456' })).status, 409);

  const started = await c.post('/api/v1/cuentas/segundo-factor');
  t.is(started.status, 201);
  const { secreto, otpauthUrl, qr } = started.body;
  t.regex(secreto, /^[A-Z2-7]{32}$/);
  const issuer = `Mesa de Partes ${config.institution.shortName}`;
  t.true(otpauthUrl.startsWith(`otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(email)}?`));
  const params = new URL(otpauthUrl).searchParams;
  t.is(params.get('secret'), secreto);
  t.is(params.get('issuer'), issuer);
  t.regex(qr, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
  t.like((await (await c.get('/api/v1/cuentas/segundo-factor')).json()) as object, { activo: false, pendiente: true });
  // Not enrolled until confirmed: the password alone still logs in.
  t.is((await send(base, 'POST', '/api/v1/sesiones', { usuario: email, password: TEST_PASSWORD })).status, 200);

  const wrong = await c.post('/api/v1/cuentas/segundo-factor/confirmacion', { codigo: await wrongCode(secreto) });
  t.is(wrong.status, 400);
  t.is(wrong.body.error.campo, 'codigo');
  const confirmCode = await freshCode(base, email, secreto);
  const confirmed = await c.post('/api/v1/cuentas/segundo-factor/confirmacion', { codigo: confirmCode });
  t.is(confirmed.status, 200);
  rememberSecret(base, email, secreto);
  const codigos: string[] = confirmed.body.codigosRecuperacion;
  t.is(codigos.length, 10);
  t.is(new Set(codigos).size, 10);
  for (const k of codigos) t.regex(k, /^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$/);

  const row = await db('segundos_factores').where({ cuenta_id: id }).first();
  t.false(row.secreto_cifrado.includes(secreto));
  t.is(unseal(config.secret, 'totp', row.secreto_cifrado, String(id)), secreto);
  t.throws(() => unseal(config.secret, 'totp', row.secreto_cifrado, String(id + 1)));
  const hashes = (await db('codigos_recuperacion').where({ cuenta_id: id }).pluck('codigo_hash')) as string[];
  t.deepEqual(hashes.sort(), codigos.map((k) => sha256(k.replace('-', ''))).sort());

  const [audit] = await auditOf(t, id);
  t.like(audit, { accion: 'ACTIVAR', cuenta_id: id, antes: { email, activo: false }, despues: { email, activo: true } });
  const mail = await mailTo(t, email, /^Se activó la verificación en dos pasos/);
  t.regex(mail.text, /al ingresar se le pedirá también el código de 6 dígitos/);
  for (const k of codigos) t.false(mail.text.includes(k), 'recovery codes are never mailed');

  t.is((await c.post('/api/v1/cuentas/segundo-factor')).body.error.code, 'SEGUNDO_FACTOR_ACTIVO');
  // The code that confirmed the enrolment cannot log in again.
  const desafio = await passwordStep(base, email);
  t.is((await secondStep(base, desafio, confirmCode)).body.error.code, 'CODIGO_USADO');
  nextStep();
  t.is((await secondStep(base, desafio, await freshCode(base, email))).status, 200);
});

test.serial('disabling needs the password and a code; audited and mailed; then the password alone logs in', async (t) => {
  const { base, db } = t.context;
  const a = await enrolledAccount(t);
  const c = await loginAs(base, a.email);
  nextStep();
  const code = await freshCode(base, a.email);
  const badPassword = await c.post('/api/v1/cuentas/segundo-factor/desactivacion', { password: 'NoEs2026x', codigo: code });
  t.is(badPassword.status, 400);
  t.deepEqual(badPassword.body.error, { code: 'SOLICITUD_INVALIDA', message: 'La contraseña no es correcta.', campo: 'password' });
  const badCode = await c.post('/api/v1/cuentas/segundo-factor/desactivacion', { password: TEST_PASSWORD, codigo: await wrongCode(a.secreto) });
  t.is(badCode.status, 400);
  t.is(badCode.body.error.campo, 'codigo');
  t.is((await c.post('/api/v1/cuentas/segundo-factor/desactivacion', { password: TEST_PASSWORD })).status, 400);
  t.is((await c.json('POST', '/api/v1/cuentas/segundo-factor/desactivacion', { password: TEST_PASSWORD, codigo: code }, { 'x-csrf-token': 'otro' })).status, 403);
  t.true(!!(await db('segundos_factores').where({ cuenta_id: a.id }).first()));

  const done = await c.post('/api/v1/cuentas/segundo-factor/desactivacion', { password: TEST_PASSWORD, codigo: code });
  t.is(done.status, 200);
  t.is(done.body.mensaje, 'Se desactivó la verificación en dos pasos.');
  t.falsy(await db('segundos_factores').where({ cuenta_id: a.id }).first());
  t.is((await db('codigos_recuperacion').where({ cuenta_id: a.id })).length, 0);
  t.deepEqual(
    (await auditOf(t, a.id)).map((r) => [r.accion, r.cuenta_id]),
    [
      ['ACTIVAR', a.id],
      ['DESACTIVAR', a.id],
    ],
  );
  await mailTo(t, a.email, /^Se desactivó la verificación en dos pasos/);
  const plain = await send(base, 'POST', '/api/v1/sesiones', { usuario: a.email, password: TEST_PASSWORD });
  t.is(plain.status, 200);
  t.regex(plain.cookie, /mpv_sesion=/);
  t.is((await c.post('/api/v1/cuentas/segundo-factor/desactivacion', { password: TEST_PASSWORD, codigo: code })).body.error.code, 'SEGUNDO_FACTOR_INACTIVO');
});

test.serial('an admin without a second factor can only enrol: API 403, pages lead to enrolment, logout and /sesiones/actual work', async (t) => {
  const { base, db } = t.context;
  const admin = await loginAs(base, DEMO_ADMIN);
  const email = `admin.${uid()}@demo.gob.pe`;
  t.is((await admin.post('/api/v1/admin/cuentas', { email, nombres: 'Nora', apellidoPaterno: 'Vega', rol: 'admin' })).status, 201);
  const link = await mailTo(t, email, /cuenta de personal/);
  const token = /token=([\w-]+)/.exec(link.text)![1];
  t.is((await send(base, 'POST', '/api/v1/cuentas/clave/restablecer', { token, password: 'Admin2026x', passwordConfirmacion: 'Admin2026x' })).status, 200);

  const login = await send(base, 'POST', '/api/v1/sesiones', { usuario: email, password: 'Admin2026x' });
  t.is(login.status, 200);
  t.like(login.body, { usuario: email, rol: 'admin', segundoFactorPendiente: true });
  const auth = { cookie: login.cookie, 'x-csrf-token': login.body.csrfToken };
  for (const [method, path] of [
    ['GET', '/api/v1/admin/unidades'],
    ['GET', '/api/v1/expedientes'],
    ['PATCH', '/api/v1/cuentas/perfil'],
    ['POST', '/api/v1/admin/tokens'],
  ]) {
    const r = await send(base, method, path, method === 'GET' ? undefined : {}, auth);
    t.is(r.status, 403, `${method} ${path}`);
    t.deepEqual(r.body.error, { code: 'SEGUNDO_FACTOR_REQUERIDO', message: 'Su rol exige la verificación en dos pasos. Actívela antes de continuar.' });
  }
  t.like((await send(base, 'GET', '/api/v1/sesiones/actual', undefined, auth)).body, { usuario: email, segundoFactorPendiente: true });
  t.like((await send(base, 'GET', '/api/v1/cuentas/segundo-factor', undefined, auth)).body, { activo: false, requerido: true });
  for (const path of ['/', '/admin', '/cuenta/perfil']) {
    const page = await fetch(`${base}${path}`, { redirect: 'manual', headers: { accept: 'text/html', cookie: login.cookie } });
    t.is(page.status, 303, path);
    t.is(page.headers.get('location'), '/cuenta/segundo-factor');
  }
  const enrolPage = await fetch(`${base}/cuenta/segundo-factor`, { headers: { accept: 'text/html', cookie: login.cookie } });
  t.is(enrolPage.status, 200);
  t.regex(await enrolPage.text(), /Su rol exige la verificación en dos pasos\. Actívela para continuar/);
  const other = await send(base, 'POST', '/api/v1/sesiones', { usuario: email, password: 'Admin2026x' });
  t.is((await send(base, 'DELETE', '/api/v1/sesiones/actual', undefined, { cookie: other.cookie, 'x-csrf-token': other.body.csrfToken })).status, 204);

  await enrolTotp(base, clientWith(base, login.cookie, login.body.csrfToken), email);
  t.is((await send(base, 'GET', '/api/v1/admin/unidades', undefined, auth)).status, 200);
  t.is((await send(base, 'GET', '/api/v1/sesiones/actual', undefined, auth)).body.segundoFactorPendiente, undefined);
  nextStep();
  t.is((await send(base, 'POST', '/api/v1/sesiones', { usuario: email, password: 'Admin2026x' })).status, 202);
  t.is((await auditOf(t, (await db('cuentas').where({ email }).first('id')).id)).length, 1);
});

test.serial('bearer tokens are unaffected by the second factor', async (t) => {
  const { base } = t.context;
  const admin = await loginAs(base, DEMO_ADMIN);
  const created = await admin.post('/api/v1/admin/tokens', { nombre: 'Sistema de trámite de prueba' });
  t.is(created.status, 201);
  const bearer = { authorization: `Bearer ${created.body.token}` };
  t.is((await send(base, 'GET', '/api/v1/expedientes', undefined, bearer)).status, 200);
  t.is((await send(base, 'GET', '/api/v1/catalogos', undefined, bearer)).status, 200);
});

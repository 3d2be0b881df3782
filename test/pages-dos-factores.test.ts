// Two-factor authentication in a real browser (Chromium): the login form in two steps, and
// enrolment from the profile page (QR image, secret in text, a first code, recovery codes once).
// Set SCREENSHOTS_DIR to keep screenshots of the pages.
import { join } from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { startStack, TEST_PASSWORD, uid } from './helpers/stack';
import { openBrowser, type Walk } from './helpers/browser';
import { extraAccount } from './helpers/http';
import { DEMO_ADMIN, DEMO_TOTP_SECRET, codeAt, freshCode, rememberSecret, wrongCodeAt } from './helpers/totp';

type Ctx = Awaited<ReturnType<typeof startStack>> & { walk: Walk };
const test = anyTest as TestFn<Ctx>;
test.before(async (t) => {
  const stack = await startStack();
  t.context = { ...stack, walk: await openBrowser(stack.base) };
});
test.after.always(async (t) => {
  await t.context?.walk?.close();
  await t.context?.close();
});

async function shoot(p: import('puppeteer-core').Page, name: string) {
  const dir = process.env.SCREENSHOTS_DIR;
  if (dir) await p.screenshot({ path: join(dir, `dos-factores-${name}.png`) as `${string}.png`, fullPage: true });
}

const textOf = (p: import('puppeteer-core').Page, selector: string) => p.$eval(selector, (e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim());

test('in a browser: the admin logs in in two steps; a wrong code is shown beside the field', async (t) => {
  const { base, walk } = t.context;
  const ctx = await walk.browser.createBrowserContext();
  const p = await ctx.newPage();
  p.setDefaultTimeout(90_000);
  p.on('pageerror', (e) => walk.errors.push(String(e)));
  await p.goto(`${base}/ingresar?volver=${encodeURIComponent('/admin')}`);
  await p.type('#f-usuario', DEMO_ADMIN);
  await p.type('#f-password', TEST_PASSWORD);
  await Promise.all([p.waitForNavigation(), p.click('main form button[type="submit"]')]);

  t.is(await textOf(p, 'h1'), 'Verificación en dos pasos');
  t.is(await textOf(p, 'label[for="f-codigo"]'), 'Código de verificación');
  await shoot(p, 'codigo');
  const desafio = await p.$eval('input[type="hidden"][name="desafio"]', (e) => (e as HTMLInputElement).value);
  t.regex(desafio, /^[\w-]{40,}$/);
  t.is(await p.$eval('input[type="hidden"][name="volver"]', (e) => (e as HTMLInputElement).value), '/admin');
  t.false((await ctx.cookies()).some((c) => c.name === 'mpv_sesion'), 'no session before the code');

  await p.type('#f-codigo', await wrongCodeAt(DEMO_TOTP_SECRET, new Date()));
  await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
  t.is(await textOf(p, '#f-codigo-error'), 'El código de verificación no es correcto.');
  t.is(await p.$eval('input[name="desafio"]', (e) => (e as HTMLInputElement).value), desafio);

  await p.type('#f-codigo', await freshCode(base, DEMO_ADMIN));
  await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
  t.is(new URL(p.url()).pathname, '/admin');
  t.true((await ctx.cookies()).some((c) => c.name === 'mpv_sesion'));
  await ctx.close();
  t.deepEqual(walk.errors, []);
});

test('in a browser: a citizen enrols from the profile page (QR and secret, a first code, ten recovery codes) and then logs in with a recovery code', async (t) => {
  const { base, db, walk } = t.context;
  const email = `qr.${uid()}@correo.pe`;
  await extraAccount(base, db, email, { rol: 'ciudadano' });
  const p = await walk.session(email, '/cuenta/perfil');
  t.is(new URL(p.url()).pathname, '/cuenta/perfil');
  t.is(await textOf(p, '#dos-pasos'), 'Verificación en dos pasos');
  await Promise.all([p.waitForNavigation(), p.click('form[action="/cuenta/segundo-factor"] button[type="submit"]')]);

  t.is(new URL(p.url()).pathname, '/cuenta/segundo-factor');
  const qr = await p.waitForSelector('#qr', { visible: true });
  const image = await qr!.evaluate((img) => ({ src: (img as HTMLImageElement).src.slice(0, 22), loaded: (img as HTMLImageElement).complete, width: (img as HTMLImageElement).naturalWidth, alt: (img as HTMLImageElement).alt }));
  t.is(image.src, 'data:image/png;base64,');
  t.true(image.loaded && image.width > 0, 'the QR image is decoded and shown');
  t.regex(image.alt, /Código QR/);
  await shoot(p, 'activacion');
  const secreto = await textOf(p, '#secreto');
  t.regex(secreto, /^[A-Z2-7]{32}$/);

  // The app's first code, from the secret typed by hand.
  await p.type('#f-codigo', await freshCode(base, email, secreto));
  await Promise.all([p.waitForNavigation(), p.click('form[action="/cuenta/segundo-factor/confirmacion"] button[type="submit"]')]);
  rememberSecret(base, email, secreto);
  t.regex(await textOf(p, '#codigos-recuperacion'), /Guarde estos códigos de recuperación ahora: no se volverán a mostrar\./);
  const codigos = await p.$$eval('#codigos-recuperacion li', (items) => items.map((li) => li.textContent?.trim() ?? ''));
  t.is(codigos.length, 10);
  for (const k of codigos) t.regex(k, /^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  await shoot(p, 'codigos');

  // Shown once: the page again says it is active, without the codes.
  await p.goto(`${base}/cuenta/segundo-factor`);
  t.regex(await textOf(p, 'main'), /está activa desde el .* Le quedan 10 códigos de recuperación sin usar\./);
  t.false((await textOf(p, 'main')).includes(codigos[0]));
  await shoot(p, 'activa');
  await p.goto(`${base}/cuenta/perfil`);
  t.regex(await textOf(p, 'main'), /Activa desde el/);

  // Logged out, the login asks for the code; a recovery code works in its place.
  await Promise.all([p.waitForNavigation(), p.click('form[action="/salir"] button')]);
  await p.goto(`${base}/ingresar?volver=${encodeURIComponent('/cuenta/perfil')}`);
  await p.type('#f-usuario', email);
  await p.type('#f-password', TEST_PASSWORD);
  await Promise.all([p.waitForNavigation(), p.click('main form button[type="submit"]')]);
  t.truthy(await p.$('form[action="/ingresar/codigo"]'));
  // A code the app showed a minute ago is refused; the recovery code is accepted.
  await p.type('#f-codigo', await codeAt(secreto, new Date(Date.now() - 90_000)));
  await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
  t.is(await textOf(p, '#f-codigo-error'), 'El código de verificación no es correcto.');
  await p.type('#f-codigo', codigos[3]);
  await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
  t.is(new URL(p.url()).pathname, '/cuenta/perfil');
  t.deepEqual(walk.errors, []);
});

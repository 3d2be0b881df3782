// Security headers on every response (http/security-headers.ts): our pages get a strict CSP (no
// inline script or style, not framable), everything else — stored files, cargos, exports, JSON —
// a `sandbox` CSP; HSTS and upgrade-insecure-requests only when PUBLIC_URL is https.
import type { ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { sharedStack } from './helpers/shared';
import { fileMultipart } from './helpers/http';
import { createApp } from '../http/app';
import { systemClock } from '../lib/clock';
import { offlineRegistry } from '../lib/identity-registry';
import { dbCalendar } from '../lib/business-calendar';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe' });

/** The CSP's directives by name, each with its values. */
function csp(res: Response) {
  const header = res.headers.get('content-security-policy') ?? '';
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter(([name]) => name)
      .map(([name, ...values]) => [name.toLowerCase(), values]),
  );
}

function commonHeaders(t: ExecutionContext, res: Response, what: string) {
  t.is(res.headers.get('x-content-type-options'), 'nosniff', what);
  t.is(res.headers.get('referrer-policy'), 'no-referrer', what);
  t.is(res.headers.get('cross-origin-opener-policy'), 'same-origin', what);
  const permissions = res.headers.get('permissions-policy') ?? '';
  for (const feature of ['camera', 'microphone', 'geolocation']) t.regex(permissions, new RegExp(`(^|,)\\s*${feature}=\\(\\)`), `${what}: ${feature}`);
  t.is(res.headers.get('x-powered-by'), null, what);
  t.is(res.headers.get('strict-transport-security'), null, `${what}: PUBLIC_URL is http, no HSTS`);
}

function pageCsp(t: ExecutionContext, res: Response, what: string) {
  const d = csp(res);
  t.deepEqual(d.get('default-src'), ["'self'"], what);
  t.deepEqual(d.get('script-src'), ["'self'"], what);
  t.deepEqual(d.get('style-src'), ["'self'"], what);
  t.deepEqual(d.get('object-src'), ["'none'"], what);
  t.deepEqual(d.get('base-uri'), ["'self'"], what);
  t.deepEqual(d.get('form-action'), ["'self'"], what);
  // The login page (and every other page) can't be framed by another site: no clickjacking.
  t.deepEqual(d.get('frame-ancestors'), ["'none'"], what);
  t.is(res.headers.get('x-frame-options'), 'DENY', what);
  t.false(d.has('upgrade-insecure-requests'), `${what}: over http the browser must not upgrade form posts to https`);
  t.false(/unsafe-/.test(res.headers.get('content-security-policy') ?? ''), what);
}

/** A response that is not one of our pages: shown, never run; framed only by our own pages. */
function sandboxed(t: ExecutionContext, res: Response, what: string) {
  const d = csp(res);
  t.deepEqual(d.get('sandbox'), [], `${what}: a sandbox without allow-* tokens`);
  t.deepEqual(d.get('frame-ancestors'), ["'self'"], what);
  t.is(res.headers.get('x-frame-options'), 'SAMEORIGIN', what);
}

const html = { accept: 'text/html' };

test('pages carry the strict CSP and the security headers; the login page cannot be framed', async (t) => {
  const { stack, ciudadano } = t.context;
  const login = await fetch(`${stack.base}/ingresar`, { headers: html });
  t.is(login.status, 200);
  t.regex(login.headers.get('content-type') ?? '', /^text\/html/);
  commonHeaders(t, login, '/ingresar');
  pageCsp(t, login, '/ingresar');
  const nuevo = await ciudadano.get('/expedientes/nuevo', html);
  t.is(nuevo.status, 200);
  commonHeaders(t, nuevo, '/expedientes/nuevo');
  pageCsp(t, nuevo, '/expedientes/nuevo');
});

test('error pages, redirects, JSON answers and static files carry them too', async (t) => {
  const { stack, ciudadano } = t.context;
  const missing = await fetch(`${stack.base}/no-existe`, { headers: html });
  t.is(missing.status, 404);
  t.regex(missing.headers.get('content-type') ?? '', /^text\/html/);
  commonHeaders(t, missing, 'error page');
  pageCsp(t, missing, 'error page');

  const toLogin = await fetch(`${stack.base}/bandeja`, { headers: html, redirect: 'manual' });
  t.is(toLogin.status, 303);
  t.regex(toLogin.headers.get('location') ?? '', /^\/ingresar/);
  commonHeaders(t, toLogin, 'redirect');

  const catalogos = await fetch(`${stack.base}/api/v1/catalogos`, { headers: { accept: 'application/json' } });
  t.is(catalogos.status, 200);
  commonHeaders(t, catalogos, 'JSON');
  sandboxed(t, catalogos, 'JSON');

  const noSession = await fetch(`${stack.base}/api/v1/expedientes`, { headers: { accept: 'application/json' } });
  t.is(noSession.status, 401);
  commonHeaders(t, noSession, 'JSON error');
  sandboxed(t, noSession, 'JSON error');

  const notFound = await ciudadano.get('/api/v1/expedientes/99999-2099');
  t.is(notFound.status, 404);
  commonHeaders(t, notFound, 'JSON 404');

  const css = await fetch(`${stack.base}/app.css`);
  t.is(css.status, 200);
  commonHeaders(t, css, 'static file');
});

test('stored files, cargos and exports open sandboxed; PDFs still open inline', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const filed = await fileMultipart(stack.base, ciudadano, { asunto: 'Documento que se abre en el navegador' });
  t.is(filed.status, 201, JSON.stringify(filed.body));
  const detail = (await (await ciudadano.get(`/api/v1/expedientes/${filed.body.numero}`)).json()) as { documentos: { url: string }[] };

  const doc = await ciudadano.get(detail.documentos[0].url);
  t.is(doc.status, 200);
  t.is(doc.headers.get('content-type'), 'application/pdf');
  t.regex(doc.headers.get('content-disposition') ?? '', /^inline;/);
  commonHeaders(t, doc, 'stored document');
  sandboxed(t, doc, 'stored document');

  const download = await ciudadano.get(`${detail.documentos[0].url}?descargar=1`);
  t.regex(download.headers.get('content-disposition') ?? '', /^attachment;/);
  sandboxed(t, download, 'stored document, downloaded');

  const cargo = await ciudadano.get(filed.body.cargoUrl);
  t.is(cargo.status, 200);
  t.regex(cargo.headers.get('content-disposition') ?? '', /^inline;/);
  commonHeaders(t, cargo, 'cargo.pdf');
  sandboxed(t, cargo, 'cargo.pdf');

  const { bandejas } = (await (await mesa.get('/api/v1/bandejas')).json()) as { bandejas: { url: string }[] };
  const xlsx = await mesa.get(`${bandejas[0].url}/export.xlsx`);
  t.is(xlsx.status, 200);
  commonHeaders(t, xlsx, 'export');
  sandboxed(t, xlsx, 'export');
});

test('with an https PUBLIC_URL: HSTS, and the browser upgrades any http subresource', async (t) => {
  const { stack } = t.context;
  const config = { ...stack.config, http: { ...stack.config.http, publicUrl: 'https://mpv.example.gob.pe' } };
  const app = createApp({ db: stack.db, temporal: stack.client, config, clock: systemClock, identity: offlineRegistry(), storage: stack.storage, calendar: dbCalendar(stack.db, config), starter: stack.starter });
  const handle = app.callback();
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  t.teardown(() => new Promise<void>((res) => server.close(() => res())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (const res of [await fetch(`${base}/ingresar`, { headers: html }), await fetch(`${base}/api/v1/catalogos`)]) {
    t.regex(res.headers.get('strict-transport-security') ?? '', /^max-age=\d{8,}/, res.url);
    await res.arrayBuffer();
  }
  const login = await fetch(`${base}/ingresar`, { headers: html });
  t.true(csp(login).has('upgrade-insecure-requests'));
  t.deepEqual(csp(login).get('frame-ancestors'), ["'none'"]);
});

import test, { type ExecutionContext } from 'ava';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  IdentityRegistryUnavailable,
  createIdentityRegistry,
  httpRegistry,
  offlineRegistry,
} from '../lib/identity-registry';

const UNAVAILABLE =
  'No pudimos consultar RENIEC/SUNAT en este momento. Intente nuevamente en unos minutos.';

/** A canned answer: status + JSON body, or 'hang' to hold the request open forever. */
type Canned = { status: number; body?: unknown } | 'hang';

interface Recorded {
  method: string;
  path: string;
  authorization: string | undefined;
  accept: string | undefined;
}

/** A real HTTP server on 127.0.0.1:0 serving `routes` by path; unknown paths answer 404. */
async function fakeRegistry(t: ExecutionContext, routes: Record<string, Canned>) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    requests.push({
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization,
      accept: req.headers.accept,
    });
    const canned = routes[path];
    if (canned === 'hang') return; // never answer; closed in teardown
    const status = canned?.status ?? 404;
    const body = canned?.body ?? { error: 'no encontrado' };
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests };
}

// ---------------------------------------------------------------------------------------------
// Offline
// ---------------------------------------------------------------------------------------------

test('offline: well-formed documents and RUCs are accepted without a name', async (t) => {
  const registry = offlineRegistry();
  t.deepEqual(await registry.checkPersona('DNI', '45781236'), { ok: true });
  t.deepEqual(await registry.checkPersona('CE', '001234567'), { ok: true });
  t.deepEqual(await registry.checkPersona('PTP', '001234567'), { ok: true });
  t.deepEqual(await registry.checkRuc('20131312955'), { ok: true });
  t.deepEqual(await registry.checkRuc('10123456781'), { ok: true });
});

test('offline: malformed numbers are refused with the domain message', async (t) => {
  const registry = offlineRegistry();
  t.deepEqual(await registry.checkPersona('DNI', '4578123'), {
    ok: false,
    motivo: 'El DNI debe tener 8 dígitos.',
  });
  t.deepEqual(await registry.checkPersona('CE', '00123456A'), {
    ok: false,
    motivo: 'El CE debe tener 9 dígitos.',
  });
  t.deepEqual(await registry.checkRuc('20131312954'), {
    ok: false,
    motivo: 'El RUC no es válido: el dígito verificador no corresponde.',
  });
  t.deepEqual(await registry.checkRuc(''), { ok: false, motivo: 'Ingrese el número de RUC.' });
});

test('createIdentityRegistry: offline without a URL, HTTP with one', async (t) => {
  const server = await fakeRegistry(t, {
    '/personas/DNI/45781236': { status: 200, body: { nombre: 'ROSA QUISPE MAMANI' } },
  });
  const offline = createIdentityRegistry({ timeoutMs: 1000 });
  t.deepEqual(await offline.checkPersona('DNI', '45781236'), { ok: true });
  const blank = createIdentityRegistry({ url: '  ', timeoutMs: 1000 });
  t.deepEqual(await blank.checkPersona('DNI', '45781236'), { ok: true });
  t.is(server.requests.length, 0);

  const online = createIdentityRegistry({ url: server.url, timeoutMs: 1000 });
  t.deepEqual(await online.checkPersona('DNI', '45781236'), {
    ok: true,
    nombre: 'ROSA QUISPE MAMANI',
  });
  t.is(server.requests.length, 1);
});

// ---------------------------------------------------------------------------------------------
// HTTP: answers
// ---------------------------------------------------------------------------------------------

test('http: 200 gives ok with the registered name; Accept is JSON; no token, no Authorization', async (t) => {
  const server = await fakeRegistry(t, {
    '/personas/DNI/45781236': { status: 200, body: { nombre: 'ROSA QUISPE MAMANI' } },
    '/personas/CE/001234567': { status: 200, body: { nombre: 'ANA PÉREZ GÓMEZ' } },
    '/empresas/20131312955': {
      status: 200,
      body: { nombre: 'SUPERINTENDENCIA NACIONAL DE ADUANAS Y DE ADMINISTRACION TRIBUTARIA', estado: 'ACTIVO', condicion: 'HABIDO' },
    },
    '/empresas/10123456781': { status: 200, body: { nombre: 'JUAN TORRES LÓPEZ' } },
  });
  const registry = httpRegistry({ url: server.url, timeoutMs: 1000 });
  t.deepEqual(await registry.checkPersona('DNI', '45781236'), {
    ok: true,
    nombre: 'ROSA QUISPE MAMANI',
  });
  t.deepEqual(await registry.checkPersona('CE', '001234567'), {
    ok: true,
    nombre: 'ANA PÉREZ GÓMEZ',
  });
  t.deepEqual(await registry.checkRuc('20131312955'), {
    ok: true,
    nombre: 'SUPERINTENDENCIA NACIONAL DE ADUANAS Y DE ADMINISTRACION TRIBUTARIA',
  });
  // estado and condicion are optional.
  t.deepEqual(await registry.checkRuc('10123456781'), { ok: true, nombre: 'JUAN TORRES LÓPEZ' });

  t.deepEqual(
    server.requests.map((r) => [r.method, r.path]),
    [
      ['GET', '/personas/DNI/45781236'],
      ['GET', '/personas/CE/001234567'],
      ['GET', '/empresas/20131312955'],
      ['GET', '/empresas/10123456781'],
    ],
  );
  for (const r of server.requests) {
    t.is(r.accept, 'application/json');
    t.is(r.authorization, undefined);
  }
});

test('http: a base URL with a path and trailing slash is joined cleanly', async (t) => {
  const server = await fakeRegistry(t, {
    '/api/v1/personas/DNI/45781236': { status: 200, body: { nombre: 'ROSA QUISPE MAMANI' } },
  });
  const registry = httpRegistry({ url: `${server.url}/api/v1/`, timeoutMs: 1000 });
  t.deepEqual(await registry.checkPersona('DNI', '45781236'), {
    ok: true,
    nombre: 'ROSA QUISPE MAMANI',
  });
  t.deepEqual(server.requests.map((r) => r.path), ['/api/v1/personas/DNI/45781236']);
});

test('http: 404 is the registry saying no, named by authority', async (t) => {
  const server = await fakeRegistry(t, {}); // every path answers 404
  const registry = httpRegistry({ url: server.url, timeoutMs: 1000 });
  t.deepEqual(await registry.checkPersona('DNI', '45781236'), {
    ok: false,
    motivo: 'RENIEC no registra el DNI 45781236.',
  });
  t.deepEqual(await registry.checkPersona('CE', '001234567'), {
    ok: false,
    motivo: 'Migraciones no registra el CE 001234567.',
  });
  t.deepEqual(await registry.checkPersona('PTP', '001234567'), {
    ok: false,
    motivo: 'Migraciones no registra el PTP 001234567.',
  });
  t.deepEqual(await registry.checkRuc('20131312955'), {
    ok: false,
    motivo: 'SUNAT no registra el RUC 20131312955.',
  });
  t.is(server.requests.length, 4);
});

test('http: a RUC that is not ACTIVO or is NO HABIDO is refused', async (t) => {
  const server = await fakeRegistry(t, {
    '/empresas/20131312955': {
      status: 200,
      body: { nombre: 'EMPRESA DE BAJA S.A.C.', estado: 'BAJA DE OFICIO', condicion: 'HABIDO' },
    },
    '/empresas/10123456781': {
      status: 200,
      body: { nombre: 'JUAN TORRES LÓPEZ', estado: 'ACTIVO', condicion: 'NO HABIDO' },
    },
  });
  const registry = httpRegistry({ url: server.url, timeoutMs: 1000 });
  t.deepEqual(await registry.checkRuc('20131312955'), {
    ok: false,
    motivo: 'SUNAT informa que el RUC 20131312955 no está activo (estado BAJA DE OFICIO).',
  });
  t.deepEqual(await registry.checkRuc('10123456781'), {
    ok: false,
    motivo: 'SUNAT informa que el RUC 10123456781 tiene la condición de NO HABIDO.',
  });
});

test('http: the token is sent as a bearer credential', async (t) => {
  const server = await fakeRegistry(t, {
    '/personas/DNI/45781236': { status: 200, body: { nombre: 'ROSA QUISPE MAMANI' } },
    '/empresas/20131312955': { status: 200, body: { nombre: 'SUNAT', estado: 'ACTIVO' } },
  });
  const registry = httpRegistry({ url: server.url, token: 's3cr3t-token', timeoutMs: 1000 });
  await registry.checkPersona('DNI', '45781236');
  await registry.checkRuc('20131312955');
  t.deepEqual(
    server.requests.map((r) => r.authorization),
    ['Bearer s3cr3t-token', 'Bearer s3cr3t-token'],
  );
});

test('http: a malformed number is refused before reaching the network', async (t) => {
  const server = await fakeRegistry(t, {});
  const registry = httpRegistry({ url: server.url, timeoutMs: 1000 });
  t.deepEqual(await registry.checkPersona('DNI', '4578123X'), {
    ok: false,
    motivo: 'El DNI debe tener 8 dígitos.',
  });
  t.deepEqual(await registry.checkPersona('CE', '../../x'), {
    ok: false,
    motivo: 'El CE debe tener 9 dígitos.',
  });
  t.deepEqual(await registry.checkPersona('RUC' as 'DNI', '45781236'), {
    ok: false,
    motivo: 'El tipo de documento no es válido. Use DNI, CE o PTP.',
  });
  t.deepEqual(await registry.checkRuc('20131312954'), {
    ok: false,
    motivo: 'El RUC no es válido: el dígito verificador no corresponde.',
  });
  t.is(server.requests.length, 0);
});

// ---------------------------------------------------------------------------------------------
// HTTP: unavailable
// ---------------------------------------------------------------------------------------------

test('http: a 500 throws IdentityRegistryUnavailable without leaking URL or token', async (t) => {
  const server = await fakeRegistry(t, {
    '/personas/DNI/45781236': { status: 500, body: { error: 'boom' } },
    '/empresas/20131312955': { status: 503, body: { error: 'mantenimiento' } },
  });
  const registry = httpRegistry({ url: server.url, token: 's3cr3t-token', timeoutMs: 1000 });
  const error = await t.throwsAsync(registry.checkPersona('DNI', '45781236'), {
    instanceOf: IdentityRegistryUnavailable,
  });
  t.is(error?.message, UNAVAILABLE);
  t.is(error?.status, 500);
  t.false(String(error?.stack).includes('s3cr3t-token'));
  t.false(String(error?.stack).includes(server.url));

  await t.throwsAsync(registry.checkRuc('20131312955'), {
    instanceOf: IdentityRegistryUnavailable,
    message: UNAVAILABLE,
  });
});

test('http: a 200 whose body is not a JSON object is treated as unavailable', async (t) => {
  const server = await fakeRegistry(t, {
    '/personas/DNI/45781236': { status: 200, body: ['no', 'es', 'objeto'] },
  });
  const registry = httpRegistry({ url: server.url, timeoutMs: 1000 });
  await t.throwsAsync(registry.checkPersona('DNI', '45781236'), {
    instanceOf: IdentityRegistryUnavailable,
    message: UNAVAILABLE,
  });
});

test('http: a server that never answers times out as IdentityRegistryUnavailable', async (t) => {
  const server = await fakeRegistry(t, { '/personas/DNI/45781236': 'hang' });
  const registry = httpRegistry({ url: server.url, token: 's3cr3t-token', timeoutMs: 200 });
  const error = await t.throwsAsync(registry.checkPersona('DNI', '45781236'), {
    instanceOf: IdentityRegistryUnavailable,
    message: UNAVAILABLE,
  });
  t.is(error?.reason, 'timeout');
  t.is(server.requests.length, 1);
});

test('http: a refused connection throws IdentityRegistryUnavailable', async (t) => {
  // Bind a port, then free it so nothing listens there.
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const registry = httpRegistry({ url: `http://127.0.0.1:${port}`, timeoutMs: 1000 });
  const error = await t.throwsAsync(registry.checkRuc('20131312955'), {
    instanceOf: IdentityRegistryUnavailable,
    message: UNAVAILABLE,
  });
  t.is(error?.reason, 'red');
  t.false(String(error?.stack).includes(String(port)));
});

test('http: the injected fetch receives the joined URL and an abort signal', async (t) => {
  const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
  const fetchImpl: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), init });
    return new Response(JSON.stringify({ nombre: 'X' }), { status: 200 });
  };
  const registry = httpRegistry({ url: 'https://identidad.example/api', timeoutMs: 500, fetchImpl });
  t.deepEqual(await registry.checkPersona('PTP', '001234567'), { ok: true, nombre: 'X' });
  t.is(calls[0]?.url, 'https://identidad.example/api/personas/PTP/001234567');
  t.true(calls[0]?.init?.signal instanceof AbortSignal);
});

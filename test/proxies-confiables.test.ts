// X-Forwarded-For and X-Forwarded-Proto are believed only from the proxies in PROXIES_CONFIABLES:
// a client that forges them is still throttled at its own address, and a request through a
// trusted proxy is throttled (and its cookies marked Secure) by what that proxy says.
import test from 'ava';
import { randomInt } from 'node:crypto';
import { startStack, postJson } from './helpers/stack';
import { CONSULTA_LIMIT } from '../services/expedientes/consulta-publica';

const randomIp = () => `198.51.${randomInt(256)}.${randomInt(1, 255)}`;

test('a direct client that rotates X-Forwarded-For is still throttled at its own address', async (t) => {
  const stack = await startStack({ LOGIN_FALLOS_IP: '3' }, { worker: false });
  t.teardown(() => stack.close());
  const login = (usuario: string) => postJson(`${stack.base}/api/v1/sesiones`, { usuario, password: 'Mala2026xx' }, { 'X-Forwarded-For': randomIp() });
  for (const usuario of ['mesa@demo.gob.pe', 'unidad@demo.gob.pe', 'nadie@demo.pe']) t.is((await login(usuario)).status, 401);
  const blocked = await login('supervisor@demo.gob.pe');
  t.is(blocked.status, 429);
  t.regex(blocked.body.error.message, /desde su conexión/);

  // The public consulta (tracking passwords) is throttled the same way.
  let last = 0;
  for (let i = 0; i <= CONSULTA_LIMIT.max; i++) {
    const res = await fetch(`${stack.base}/api/v1/consulta?numero=00001-2026&clave=NOES1234`, { headers: { 'X-Forwarded-For': randomIp(), accept: 'application/json' } });
    last = res.status;
  }
  t.is(last, 429);
});

test('through a trusted proxy, the client is the first untrusted hop and each client has its own throttle', async (t) => {
  const stack = await startStack({ LOGIN_FALLOS_IP: '3', PROXIES_CONFIABLES: '127.0.0.1, 10.0.0.0/8' }, { worker: false });
  t.teardown(() => stack.close());
  const login = (usuario: string, forwardedFor: string) =>
    postJson(`${stack.base}/api/v1/sesiones`, { usuario, password: 'Mala2026xx' }, { 'X-Forwarded-For': forwardedFor });
  // 203.0.113.7 goes through a second trusted proxy (10.1.2.3); what it wrote itself on the left is ignored.
  for (const usuario of ['mesa@demo.gob.pe', 'unidad@demo.gob.pe', 'nadie@demo.pe']) {
    t.is((await login(usuario, `${randomIp()}, 203.0.113.7, 10.1.2.3`)).status, 401);
  }
  t.is((await login('supervisor@demo.gob.pe', `${randomIp()}, 203.0.113.7, 10.1.2.3`)).status, 429);
  // Another client behind the same proxy is not blocked by the first one's failures.
  t.is((await login('supervisor@demo.gob.pe', '203.0.113.8')).status, 401);

  // The session remembers the real client's address.
  const ok = await postJson(`${stack.base}/api/v1/sesiones`, { usuario: 'mesa@demo.gob.pe', password: 'MesaDemo2026' }, { 'X-Forwarded-For': '203.0.113.9' });
  t.is(ok.status, 200);
  const session = await stack.db('sesiones').orderBy('creada_en', 'desc').first('ip');
  t.is(session.ip, '203.0.113.9');
});

async function loginCookie(base: string, headers: Record<string, string>) {
  const res = await fetch(`${base}/api/v1/sesiones`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: JSON.stringify({ usuario: 'mesa@demo.gob.pe', password: 'MesaDemo2026' }),
  });
  if (res.status !== 200) throw new Error(`login: ${res.status}`);
  return res.headers.getSetCookie().find((c) => c.startsWith('mpv_sesion=')) ?? '';
}

test('Secure cookies follow X-Forwarded-Proto only from a trusted proxy', async (t) => {
  const direct = await startStack({}, { worker: false });
  t.teardown(() => direct.close());
  const directCookie = await loginCookie(direct.base, { 'X-Forwarded-Proto': 'https' });
  t.regex(directCookie, /^mpv_sesion=/);
  t.notRegex(directCookie, /;\s*secure/i);

  const proxied = await startStack({ PROXIES_CONFIABLES: '127.0.0.1' }, { worker: false });
  t.teardown(() => proxied.close());
  t.regex(await loginCookie(proxied.base, { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.10' }), /;\s*secure/i);
  t.notRegex(await loginCookie(proxied.base, { 'X-Forwarded-Proto': 'http', 'X-Forwarded-For': '203.0.113.10' }), /;\s*secure/i);
});

test('a bad PROXIES_CONFIABLES stops start-up with a message naming it', async (t) => {
  const { loadConfig } = await import('../lib/config');
  const err = t.throws(() => loadConfig({ PROXIES_CONFIABLES: '127.0.0.1, no-es-ip' }));
  t.regex(err!.message, /PROXIES_CONFIABLES/);
});

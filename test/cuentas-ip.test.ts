// Login failures are also counted per IP address, whatever account they try.
import test from 'ava';
import { startStack, postJson } from './helpers/stack';

test('too many failures from one IP are throttled across accounts', async (t) => {
  const stack = await startStack({ LOGIN_FALLOS_IP: '3' });
  t.teardown(() => stack.close());
  const login = (usuario: string, password: string) => postJson(`${stack.base}/api/v1/sesiones`, { usuario, password });
  t.is((await login('mesa@demo.gob.pe', 'Mala2026xx')).status, 401);
  t.is((await login('unidad@demo.gob.pe', 'Mala2026xx')).status, 401);
  t.is((await login('nadie@demo.pe', 'Mala2026xx')).status, 401);
  const blocked = await login('ciudadano@demo.pe', 'MesaDemo2026');
  t.is(blocked.status, 429);
  t.regex(blocked.body.error.message, /^Demasiados intentos fallidos desde su conexión\. Intente nuevamente en \d+ minutos\.$/);
});

// Registration asks the identity registry through the HTTP adapter: the registry's "no" is shown
// plainly (422), and an unreachable registry answers 503 without creating anything.
import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRegistry } from '../lib/identity-registry';
import { startStack, postJson } from './helpers/stack';

test('RENIEC refusal and outage during registration', async (t) => {
  let down = false;
  const registry = createServer((req, res) => {
    if (down) return void res.writeHead(502).end();
    if (req.url === '/personas/DNI/45781236') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"nombre":"LUIS ROJAS VEGA"}');
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => registry.listen(0, '127.0.0.1', r));
  t.teardown(() => registry.close());
  const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}`;
  const stack = await startStack({}, { identity: httpRegistry({ url, timeoutMs: 2000 }) });
  t.teardown(() => stack.close());

  const person = (numeroDocumento: string, email: string) => ({
    tipoPersona: 'NATURAL', tipoDocumento: 'DNI', numeroDocumento, nombres: 'Luis', apellidoPaterno: 'Rojas', apellidoMaterno: 'Vega',
    fechaNacimiento: '1979-09-30', telefono: '999888777', email, emailConfirmacion: email, password: 'Clave2026x', passwordConfirmacion: 'Clave2026x',
    aceptaTerminos: true, aceptaPrivacidad: true, aceptaCasilla: true,
  });

  const unknown = await postJson(`${stack.base}/api/v1/cuentas`, person('45781237', 'x1@correo.pe'));
  t.is(unknown.status, 422);
  t.is(unknown.body.error.message, 'RENIEC no registra el DNI 45781237.');

  down = true;
  const outage = await postJson(`${stack.base}/api/v1/cuentas`, person('45781236', 'x2@correo.pe'));
  t.is(outage.status, 503);
  t.is(outage.body.error.message, 'No pudimos consultar RENIEC/SUNAT en este momento. Intente nuevamente en unos minutos.');
  t.is(await stack.db('cuentas').where({ email: 'x2@correo.pe' }).first(), undefined);

  down = false;
  const ok = await postJson(`${stack.base}/api/v1/cuentas`, person('45781236', 'x2@correo.pe'));
  t.is(ok.status, 201);
});

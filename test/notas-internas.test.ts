// What the filer reads of the seguimiento: every step, the observation's reason, their own texts
// and the response's comment, but never an instruction between offices (the proveído of a
// derivation), on the case page, in the API's case view or in the public consulta. Staff read it.
import test from 'ava';
import { startStack } from './helpers/stack';
import { actionMultipart, fileMultipart, loginAs, type Json } from './helpers/http';
import { unescapeHtml } from './helpers/html';
import { until } from './helpers/wait';

const PROVEIDO = 'Revisar los antecedentes del local antes de opinar';
const MOTIVO = 'Adjunte el croquis de ubicación';

test('the proveído of a derivation is internal; the observation reason is not', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const [ciudadano, mesa, unidad] = await Promise.all(['ciudadano@demo.pe', 'mesa@demo.gob.pe', 'unidad@demo.gob.pe'].map((u) => loginAs(stack.base, u)));
  const filed = await fileMultipart(stack.base, ciudadano, { asunto: 'Licencia con instrucciones internas' });
  t.is(filed.status, 201);
  const { numero, claveSeguimiento } = filed.body as { numero: string; claveSeguimiento: string };
  await until(async () => Boolean((await stack.db('expedientes').where({ numero }).first('cargo_key'))?.cargo_key));
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: MOTIVO })).status, 200);
  const subsanado = await actionMultipart(stack.base, ciudadano, numero, 'subsanar', { nota: 'Adjunto lo pedido' }, []);
  t.is(subsanado.status, 200);
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: PROVEIDO })).status, 200);

  const paso = (body: Json, accion: string) => (body.seguimiento as { accion: string; nota: string | null; unidad: string | null }[]).find((p) => p.accion === accion)!;

  // The filer: the step is there (who holds the case, its state), its text is not.
  const own = await ciudadano.json('GET', `/api/v1/expedientes/${numero}`);
  t.is(own.status, 200);
  t.like(paso(own.body, 'DERIVAR'), { unidad: 'OAJ', nota: null });
  t.is(paso(own.body, 'OBSERVAR').nota, MOTIVO);
  t.is(paso(own.body, 'SUBSANAR').nota, 'Adjunto lo pedido');
  t.false(JSON.stringify(own.body).includes(PROVEIDO));
  const page = unescapeHtml(await (await ciudadano.get(`/expedientes/${numero}`, { accept: 'text/html' })).text());
  t.true(page.includes('Derivado'));
  t.true(page.includes(MOTIVO));
  t.false(page.includes(PROVEIDO));

  // The public consulta never showed notes; it still does not.
  const consulta = await fetch(`${stack.base}/api/v1/consulta?numero=${numero}&clave=${claveSeguimiento}`);
  t.is(consulta.status, 200);
  t.false((await consulta.text()).includes(PROVEIDO));

  // Staff read it: mesa de partes by the API, the office it was sent to on its page.
  t.is(paso((await mesa.json('GET', `/api/v1/expedientes/${numero}`)).body, 'DERIVAR').nota, PROVEIDO);
  t.true(unescapeHtml(await (await unidad.get(`/expedientes/${numero}`, { accept: 'text/html' })).text()).includes(PROVEIDO));
});

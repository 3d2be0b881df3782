// PostgreSQL restarted under a running system, on a PostgreSQL of the file's own: a request caught
// in the gap is a clean 503 in Spanish (never a 500) and writes nothing; the same pools (app and
// worker) reconnect by themselves; an activity that met the dead database is retried by Temporal
// and completes once it is back. The tests run one after the other: they share the server they stop.
import anyTest, { type TestFn } from 'ava';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowUpdateStage } from '@temporalio/client';
import { derivarUpdate, workflowIdFor } from '../workflows/definitions';
import { startStack } from './helpers/stack';
import { startOwnPostgres, type OwnPostgres } from './helpers/own-postgres';
import { fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { filingHead } from './helpers/filing';
import { unescapeHtml } from './helpers/html';
import { until } from './helpers/wait';

type Stack = Awaited<ReturnType<typeof startStack>>;
const test = anyTest as TestFn<{ postgres: OwnPostgres; stack: Stack; ciudadano: Client }>;

const NO_DISPONIBLE = 'El servicio no está disponible en este momento. Intente nuevamente en unos minutos.';

test.before(async (t) => {
  const postgres = await startOwnPostgres();
  const stack = await startStack({}, { databaseServer: postgres.url });
  t.context = { postgres, stack, ciudadano: await loginAs(stack.base, 'ciudadano@demo.pe') };
});

test.after.always(async (t) => {
  await t.context.postgres?.start();
  await t.context.stack?.close();
  await t.context.postgres?.close();
});

test.beforeEach(async (t) => {
  await t.context.postgres.start();
});

const count = async (stack: Stack, table: string) => Number((await stack.db(table).count({ n: '*' }).first())!.n);
const seguimiento = async (stack: Stack, numero: string) =>
  (await stack.db('historial').join('expedientes', 'expedientes.id', 'historial.expediente_id').where({ numero }).orderBy('secuencia').select('accion')).map((h) => h.accion as string);

/** A filing whose fields and first bytes are sent, then held: `finish()` sends the rest. */
async function startFiling(stack: Stack, who: Client) {
  const boundary = '----mpv-reinicio';
  const pdf = Buffer.from(await makePdf(1));
  const url = new URL(`${stack.base}/api/v1/expedientes`);
  let answered!: (r: { status: number; body: Record<string, unknown> }) => void;
  const response = new Promise<{ status: number; body: Record<string, unknown> }>((r) => (answered = r));
  const req = request(
    {
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'application/json', cookie: who.cookie, 'x-csrf-token': who.csrf },
    },
    (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => answered({ status: res.statusCode!, body: JSON.parse(text) }));
    },
  );
  req.write(filingHead(boundary, 'Presentado mientras la base de datos se reinicia', 'reinicio.pdf'));
  req.write(pdf.subarray(0, 200));
  // Past the session check: its file is streaming into storage.
  const tmpDir = join(stack.storageDir, 'tmp');
  await until(async () => (await readdir(tmpDir).catch(() => [])).length > 0);
  return {
    finish() {
      req.end(Buffer.concat([pdf.subarray(200), Buffer.from(`\r\n--${boundary}--\r\n`)]));
      return response;
    },
  };
}

test.serial('a PostgreSQL restart in the middle of a request: a clean 503 in Spanish, nothing half-written, and the same pool answers again', async (t) => {
  const { postgres, stack, ciudadano } = t.context;
  const first = await fileMultipart(stack.base, ciudadano, { asunto: 'Presentado antes del reinicio' });
  t.is(first.status, 201);
  const [n, year] = (first.body.numero as string).split('-').map(Number);
  const documentos = await count(stack, 'documentos');

  const filing = await startFiling(stack, ciudadano);
  await postgres.stop();
  // The request that was under way when the database went away, and new ones in the gap.
  const [inFlight, list, page, ready] = await Promise.all([
    filing.finish(),
    ciudadano.json('GET', '/api/v1/expedientes'),
    ciudadano.get('/expedientes', { accept: 'text/html' }).then(async (r) => ({ status: r.status, html: unescapeHtml(await r.text()) })),
    fetch(`${stack.base}/ready`).then(async (r) => ({ status: r.status, body: (await r.json()) as { caidos: string[] } })),
  ]);
  const unavailable = { status: 503, body: { error: { code: 'SERVICIO_NO_DISPONIBLE', message: NO_DISPONIBLE } } };
  t.deepEqual(inFlight, unavailable);
  t.deepEqual(list, unavailable);
  t.is(page.status, 503);
  t.true(page.html.includes(NO_DISPONIBLE));
  t.is(ready.status, 503);
  t.deepEqual(ready.body.caidos, ['base de datos']);

  // Back: the same app and pool, no restart.
  await postgres.start();
  const again = await ciudadano.json('GET', '/api/v1/expedientes');
  t.is(again.status, 200);
  t.deepEqual(
    again.body.expedientes.map((e: { numero: string }) => e.numero),
    [first.body.numero],
  );
  t.is((await fetch(`${stack.base}/ready`)).status, 200);
  // The interrupted filing took no number and left no document: the next one is gapless.
  t.is(await count(stack, 'documentos'), documentos);
  const next = await fileMultipart(stack.base, ciudadano, { asunto: 'Presentado después del reinicio' });
  t.is(next.status, 201);
  t.is(next.body.numero, `${String(n + 1).padStart(5, '0')}-${year}`);
});

test.serial('an activity that meets PostgreSQL down is retried by Temporal and completes once it is back', async (t) => {
  const { postgres, stack, ciudadano } = t.context;
  const numero = (await fileMultipart(stack.base, ciudadano, { asunto: 'Derivado con la base de datos caída' })).body.numero as string;
  await until(async () => (await seguimiento(stack, numero)).length === 1);
  const handle = stack.client.workflow.getHandle(workflowIdFor(numero));

  await postgres.stop();
  // Sent to Temporal directly (the portal answers 503 now): the workflow takes it, its projection fails.
  const update = await handle.startUpdate(derivarUpdate, {
    args: [{ actor: { usuario: 'mesa@demo.gob.pe', rol: 'mesa_partes' }, unidad: 'OAJ', proveido: 'Atender según corresponda' }],
    waitForStage: WorkflowUpdateStage.ACCEPTED,
  });
  const retrying = async () => {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    return pending.find((a) => a.activityType?.name === 'recordTransition' && (a.attempt ?? 0) >= 2);
  };
  await until(async () => Boolean(await retrying()));
  t.regex((await retrying())?.lastFailure?.message ?? '', /ECONNREFUSED|terminat|shut/i);

  await postgres.start();
  t.like(await update.result(), { numero, estado: 'DERIVADO' });
  t.deepEqual(await seguimiento(stack, numero), ['PRESENTAR', 'DERIVAR']);
  t.like(await stack.db('expedientes').where({ numero }).first(), { estado: 'DERIVADO', unidad: 'OAJ' });
});

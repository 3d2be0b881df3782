// When the Temporal server dies, on a real server of the file's own (PostgreSQL persistence, the
// same binary as production): a case lives through a kill -9 and restart with its timer; a filing
// made while it is down is answered at once and its case starts when the server is back; an
// action while it is down is a clean 503 that leaves nothing behind. The tests run one after the
// other: they share the server they stop.
import anyTest, { type TestFn } from 'ava';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fastCalendar, type BusinessCalendar } from '../lib/business-calendar';
import { startSweeper } from '../services/sweeper';
import { createApp } from '../http/app';
import { createStarter } from '../services/starter';
import { connectClient } from '../lib/temporal';
import { systemClock } from '../lib/clock';
import { offlineRegistry } from '../lib/identity-registry';
import { calendarioSignal, workflowIdFor } from '../workflows/definitions';
import { startStack } from './helpers/stack';
import { startRealTemporal, type RealTemporal } from './helpers/real-temporal';
import { actionMultipart, fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { unescapeHtml } from './helpers/html';
import { until } from './helpers/wait';

type Stack = Awaited<ReturnType<typeof startStack>>;
const test = anyTest as TestFn<{ temporal: RealTemporal; stack: Stack; ciudadano: Client; mesa: Client; unidad: Client; sweeper: { stop(): void } }>;

const NO_DISPONIBLE = 'El sistema de trámites no está disponible en este momento. Intente nuevamente en unos minutos.';

// Días hábiles of an hour, unless a test makes them last seconds to see a plazo run out.
const HOUR = 3_600_000;
const day = { ms: HOUR };
const calendar: BusinessCalendar = {
  presentacion: (en) => fastCalendar(day.ms).presentacion(en),
  plazo: (desde, dias) => fastCalendar(day.ms).plazo(desde, dias),
  elapsed: (desde, hasta) => fastCalendar(day.ms).elapsed(desde, hasta),
};

test.before(async (t) => {
  const temporal = await startRealTemporal();
  // A filing whose start was missed is the sweeper's after INICIO_DIFERIDO_MAX_SEGUNDOS + 2 s.
  const stack = await startStack({ TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace, INICIO_DIFERIDO_MAX_SEGUNDOS: '1' }, { calendar });
  const sweeper = startSweeper(stack.db, stack.client, stack.config, 250);
  const [ciudadano, mesa, unidad] = await Promise.all(['ciudadano@demo.pe', 'mesa@demo.gob.pe', 'unidad@demo.gob.pe'].map((u) => loginAs(stack.base, u)));
  t.context = { temporal, stack, ciudadano, mesa, unidad, sweeper };
});

test.after.always(async (t) => {
  t.context.sweeper?.stop();
  await t.context.stack?.close();
  await t.context.temporal?.close();
});

// Each test starts with the server up, whatever the one before left.
test.beforeEach(async (t) => {
  await t.context.temporal.start();
});

const expedienteId = async (stack: Stack, numero: string) => (await stack.db('expedientes').where({ numero }).first('id')).id as number;
const seguimiento = async (stack: Stack, numero: string) =>
  (await stack.db('historial').where({ expediente_id: await expedienteId(stack, numero) }).orderBy('secuencia').select('accion')).map((h) => h.accion as string);
const row = (stack: Stack, numero: string) => stack.db('expedientes').where({ numero }).first();

async function runsOf(stack: Stack, numero: string) {
  let n = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdFor(numero)}'` })) n += 1;
  return n;
}

/** Every mail in the outbox went out, and the SMTP server got each exactly once. */
async function everyMailOnce(t: { is(a: unknown, b: unknown, m?: string): void }, stack: Stack) {
  await until(async () => !(await stack.db('correos').whereNull('enviado_en').first('id')));
  for (const c of await stack.db('correos').select('id', 'asunto')) {
    t.is(stack.mail.messages.filter((m) => m.messageId.includes(`correo-${c.id}-`)).length, 1, c.asunto);
  }
}

/** The background work of what happened so far is done: cargos, constancias, mails. */
async function settled(stack: Stack) {
  await until(async () => !(await stack.db('expedientes').whereNull('cargo_key').first('id')));
  await until(async () => !(await stack.db('notificaciones').whereNull('constancia_sha256').first('id')));
  await until(async () => !(await stack.db('correos').whereNull('enviado_en').first('id')));
}

async function count(stack: Stack) {
  const n = async (table: string) => Number((await stack.db(table).count({ n: '*' }).first())!.n);
  return { historial: await n('historial'), documentos: await n('documentos'), notificaciones: await n('notificaciones'), correos: await n('correos') };
}

test.serial('a case survives a kill -9 of the Temporal server in the middle of its life, timer included', async (t) => {
  const { temporal, stack, ciudadano, mesa } = t.context;
  const a = (await fileMultipart(stack.base, ciudadano, { asunto: 'Observado antes del corte' })).body.numero as string;
  const b = (await fileMultipart(stack.base, ciudadano, { asunto: 'Derivado después del corte' })).body.numero as string;
  await until(async () => (await seguimiento(stack, a)).length === 1 && (await seguimiento(stack, b)).length === 1);

  // The subsanación plazo (2 días hábiles) of seconds: its timer is running when the server dies.
  day.ms = 4000;
  t.teardown(() => void (day.ms = HOUR));
  t.is((await mesa.post(`/api/v1/expedientes/${a}/observar`, { motivo: 'Falta la firma del solicitante' })).status, 200);
  const handle = stack.client.workflow.getHandle(workflowIdFor(a));
  // The plazo runs from the business day after the notice reaches the casilla: the workflow sets a
  // timer, then computes the plazo again once the deposit is done. The timer that counts is the one
  // set after the deposit (waiting for an earlier one let the test switch back to hour-long days
  // before that second computation, and the case then waited two hours).
  const subsanacionTimer = async () => {
    const events = (await handle.fetchHistory()).events ?? [];
    const deposit = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'depositNotification');
    const deposited = deposit ? events.findIndex((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(deposit.eventId)) : -1;
    if (deposited < 0) return false;
    const canceled = new Set(events.flatMap((e) => (e.timerCanceledEventAttributes ? [e.timerCanceledEventAttributes.timerId] : [])));
    return events.slice(deposited).some((e) => e.timerStartedEventAttributes && !canceled.has(e.timerStartedEventAttributes.timerId));
  };
  await until(subsanacionTimer);
  // Only that plazo is short: the other case's, computed after the restart, outlasts the file.
  day.ms = HOUR;
  await temporal.kill();
  await temporal.start();

  // The same client, app and worker go on: an action on the other case works...
  const d = await mesa.post(`/api/v1/expedientes/${b}/derivar`, { unidad: 'OAJ', proveido: 'Atender según corresponda' });
  t.deepEqual(d, { status: 200, body: { numero: b, estado: 'DERIVADO' } });
  // ...and the timer set before the crash fires after it: the case is archived, once.
  const result = await handle.result();
  t.is(result.estado, 'ARCHIVADO');
  t.deepEqual(await seguimiento(stack, a), ['PRESENTAR', 'OBSERVAR', 'ARCHIVAR']);
  t.deepEqual(await seguimiento(stack, b), ['PRESENTAR', 'DERIVAR']);
  t.is((await row(stack, b)).estado, 'DERIVADO');
  t.truthy((await row(stack, a)).cargo_key);
  t.is(await runsOf(stack, a), 1);
  t.is(await runsOf(stack, b), 1);
  await everyMailOnce(t, stack);
});

test.serial('a filing made while the server is down is answered, and its case starts and gets its cargo once the server is back', async (t) => {
  const { temporal, stack, ciudadano } = t.context;
  await temporal.kill();
  // A web process (re)started during the outage comes up too: its client connects when used.
  const late = await connectClient(stack.config.temporal);
  const app = createApp({
    db: stack.db,
    temporal: late,
    config: stack.config,
    clock: systemClock,
    identity: offlineRegistry(),
    storage: stack.storage,
    calendar,
    starter: createStarter(stack.db, late, stack.config),
  });
  const server: Server = await new Promise((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  t.teardown(async () => {
    await new Promise((r) => server.close(r));
    await late.connection.close();
  });
  const r = await fileMultipart(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, ciudadano, { asunto: 'Presentado con Temporal caído' });
  t.is(r.status, 201);
  const numero = r.body.numero as string;
  t.regex(numero, /^\d{5}-\d{4}$/);
  t.truthy(r.body.claveSeguimiento);
  t.is((await row(stack, numero)).workflow_iniciado_en, null);
  t.is((await row(stack, numero)).cargo_key, null);

  await temporal.start();
  await until(async () => Boolean((await row(stack, numero)).cargo_key));
  await until(async () => Boolean((await stack.db('correos').where({ evento: `cargo:${numero}` }).first('enviado_en'))?.enviado_en));
  t.is(stack.mail.messages.filter((m) => m.subject.includes(`Cargo de recepción del expediente ${numero}`)).length, 1);
  t.truthy((await row(stack, numero)).workflow_iniciado_en);
  t.is(await runsOf(stack, numero), 1);
  t.deepEqual(await seguimiento(stack, numero), ['PRESENTAR']);
  await everyMailOnce(t, stack);
});

test.serial('an action while the server is down is a 503 in Spanish and leaves nothing behind', async (t) => {
  const { temporal, stack, ciudadano, mesa, unidad } = t.context;
  const file = async (asunto: string) => (await fileMultipart(stack.base, ciudadano, { asunto })).body.numero as string;
  const [pendiente, observado, derivado] = await Promise.all([file('Pendiente de validar'), file('Observado, por subsanar'), file('Derivado, por atender')]);
  t.is((await mesa.post(`/api/v1/expedientes/${observado}/observar`, { motivo: 'Adjunte el croquis de ubicación' })).status, 200);
  t.is((await mesa.post(`/api/v1/expedientes/${derivado}/derivar`, { unidad: 'OAJ', proveido: 'Atender' })).status, 200);
  t.is((await unidad.post(`/api/v1/expedientes/${derivado}/recibir`)).status, 200);
  await settled(stack);
  const before = await count(stack);

  await temporal.kill();
  const subsanacion = await makePdf(1, 'Croquis de ubicación');
  const respuesta = await makePdf(1, 'Respuesta');
  const [observar, subsanar, atender, pagina, ready] = await Promise.all([
    mesa.post(`/api/v1/expedientes/${pendiente}/observar`, { motivo: 'Falta la firma del solicitante' }),
    actionMultipart(stack.base, ciudadano, observado, 'subsanar', { nota: 'Adjunto el croquis' }, [{ field: 'documentos', name: 'croquis.pdf', data: subsanacion }]),
    actionMultipart(stack.base, unidad, derivado, 'atender', { comentario: 'Se atendió lo solicitado' }, [{ field: 'respuesta', name: 'respuesta.pdf', data: respuesta }]),
    // The page's form, as a browser posts it.
    fetch(`${stack.base}/expedientes/${pendiente}/derivar`, {
      method: 'POST',
      redirect: 'manual',
      headers: { accept: 'text/html', cookie: mesa.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: mesa.csrf, unidad: 'OAJ', proveido: 'Atender según corresponda', confirmo: 'on' }),
    }).then(async (res) => ({ status: res.status, html: unescapeHtml(await res.text()) })),
    fetch(`${stack.base}/ready`).then(async (res) => ({ status: res.status, body: (await res.json()) as { caidos: string[] } })),
  ]);
  for (const res of [observar, subsanar, atender]) t.deepEqual(res, { status: 503, body: { error: { code: 'TRAMITES_NO_DISPONIBLE', message: NO_DISPONIBLE } } });
  // The page shows the case again with the message, and the form with what was typed.
  t.is(pagina.status, 503);
  t.true(pagina.html.includes(NO_DISPONIBLE));
  t.true(pagina.html.includes('Atender según corresponda'));
  t.is(ready.status, 503);
  t.deepEqual(ready.body.caidos, ['Temporal']);
  // No document, no step of the seguimiento, no notification, no mail: nothing happened.
  t.deepEqual(await count(stack), before);
  t.deepEqual(
    await Promise.all([pendiente, observado, derivado].map(async (n) => (await row(stack, n)).estado)),
    ['PENDIENTE_VALIDACION', 'OBSERVADO', 'DERIVADO'],
  );

  // Back up: nothing the failed actions sent turns up later; the citizen's retry counts once.
  await temporal.start();
  await until(async () => (await fetch(`${stack.base}/ready`)).status === 200);
  const again = await actionMultipart(stack.base, ciudadano, observado, 'subsanar', { nota: 'Adjunto el croquis' }, [{ field: 'documentos', name: 'croquis.pdf', data: subsanacion }]);
  t.like(again, { status: 200, body: { numero: observado, estado: 'PENDIENTE_VALIDACION' } });
  t.deepEqual(await seguimiento(stack, observado), ['PRESENTAR', 'OBSERVAR', 'SUBSANAR']);
  t.deepEqual(await seguimiento(stack, pendiente), ['PRESENTAR']);
  t.deepEqual(await seguimiento(stack, derivado), ['PRESENTAR', 'DERIVAR', 'RECIBIR']);
  const after = await count(stack);
  t.is(after.documentos, before.documentos + 1);
  t.is(after.historial, before.historial + 1);
});

test.serial('a non-working day added while the server is down is saved, and the running cases are told once it is back', async (t) => {
  const { temporal, stack, ciudadano } = t.context;
  const admin = await loginAs(stack.base, 'admin@demo.gob.pe');
  const numero = (await fileMultipart(stack.base, ciudadano, { asunto: 'Plazo en curso durante el corte' })).body.numero as string;
  await until(async () => (await row(stack, numero)).vence_en !== null);
  // The Lima day of its deadline: the notice reaches the cases whose plazo ends on or after it.
  const fecha = new Date(new Date((await row(stack, numero)).vence_en).getTime() - 5 * HOUR).toISOString().slice(0, 10);
  const signals = async () => {
    const { events } = await stack.client.workflow.getHandle(workflowIdFor(numero)).fetchHistory();
    return (events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === calendarioSignal.name).length;
  };

  await temporal.kill();
  const added = await admin.post('/api/v1/admin/dias-no-laborables', { fecha, descripcion: 'Día no laborable decretado durante el corte' });
  t.is(added.status, 201);
  t.like(added.body, { fecha, expedientesRecalculados: null, recalculoPendiente: true });
  t.truthy(await stack.db('dias_no_laborables').where({ fecha }).first());
  t.truthy(await stack.db('avisos_calendario').where({ fecha }).whereNull('avisado_en').first());

  // Back up: the sweeper tells the case, once.
  await temporal.start();
  await until(async () => !(await stack.db('avisos_calendario').whereNull('avisado_en').first()));
  t.is(await signals(), 1);
});

// Staff are told when work arrives (issue #15), on the real stack and through the real SMTP catcher:
// a derivation mails the office's staff once (number, asunto, proveído, the tray); a subsanación mails
// whoever observed; each person chooses in their profile each aviso, a daily digest at the opening
// of business days, or none; the «escrito nuevo» mail honours the same choice; retries and replays
// queue nothing twice. Then the profile page in Chromium, where only staff see the choice.
import { Worker } from '@temporalio/worker';
import type { Page } from 'puppeteer-core';
import { sharedStack, type Shared } from './helpers/shared';
import { uid } from './helpers/stack';
import { actionMultipart, extraAccount, fileMultipart, makePdf, type Client, type Json } from './helpers/http';
import { axeViolations, openBrowser } from './helpers/browser';
import { until } from './helpers/wait';
import { createAvisoActivities } from '../activities/avisos';
import { calendarSettings } from '../lib/business-calendar';
import { RESUMEN_DIARIO_SCHEDULE, workflowsPath } from '../lib/worker';
import { formatDay } from '../lib/documents';
import { addDays, isBusinessDay, limaDay, nationalHolidays } from '../domain/calendar';
import { correoWorkflowId, workflowIdFor } from '../workflows/definitions';
import type { resumenDiarioWorkflow } from '../workflows/resumen-diario';

const PEOPLE = { ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', unidad: 'unidad@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' };
// The choices are tried on the staff of the Oficina de Administración (OA): the OAJ keeps its one
// demo clerk (each aviso), so the tests of this file, which run at once, do not see each other's avisos.
const OA = { cada: 'oa-cada@demo.gob.pe', resumen: 'oa-resumen@demo.gob.pe', ninguno: 'oa-ninguno@demo.gob.pe' };
const test = sharedStack(PEOPLE, async (stack) => {
  const oa = {
    cada: await extraAccount(stack.base, stack.db, OA.cada, { rol: 'unidad', unidad_codigo: 'OA', nombres: 'Carla' }),
    resumen: await extraAccount(stack.base, stack.db, OA.resumen, { rol: 'unidad', unidad_codigo: 'OA', nombres: 'Raúl' }),
    ninguno: await extraAccount(stack.base, stack.db, OA.ninguno, { rol: 'unidad', unidad_codigo: 'OA', nombres: 'Nora' }),
  };
  // Each chooses through the profile's API, as a page or another client would.
  for (const [c, avisos] of [[oa.resumen, 'RESUMEN_DIARIO'], [oa.ninguno, 'NINGUNO']] as const) {
    const r = await c.json('PATCH', '/api/v1/cuentas/perfil', { avisos });
    if (r.status !== 200 || r.body.avisos !== avisos) throw new Error(`perfil: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return {
    oa,
    perfilGg: await extraAccount(stack.base, stack.db, 'gg-perfil@demo.gob.pe', { rol: 'unidad', unidad_codigo: 'GG', nombres: 'Gabriela' }),
  };
});
type Ctx = Shared<keyof typeof PEOPLE, { oa: Record<keyof typeof OA, Client>; perfilGg: Client }>;
type T = { context: Ctx };

async function file(t: T, asunto: string) {
  const r = await fileMultipart(t.context.stack.base, t.context.ciudadano, { asunto: `${asunto} ${uid()}` });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return { numero: r.body.numero as string, asunto: (await t.context.stack.db('expedientes').where({ numero: r.body.numero }).first('asunto')).asunto as string };
}

async function act(c: Client, numero: string, accion: string, body: Json = {}) {
  const r = await c.post(`/api/v1/expedientes/${numero}/${accion}`, body);
  if (r.status !== 200) throw new Error(`${accion} ${numero}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** The outbox rows of an event (every person's mail of it). */
const mailsOf = (t: T, evento: string) => t.context.stack.db('correos').where('evento', 'like', `${evento}:%`).orderBy('id').select('id', 'destinatario', 'evento');

/** Waits for a mail's own workflow to finish delivering it (or finding it delivered). */
const delivered = (t: T, correoId: number) => t.context.stack.client.workflow.getHandle(correoWorkflowId(correoId)).result();

const caught = (t: T, to: string, subject: string) => t.context.stack.mail.messages.filter((m) => m.to.includes(to) && m.subject.includes(subject));

/** The case's last step of `accion` in the read model. */
async function pasoDe(t: T, numero: string, accion: string) {
  const { db } = t.context.stack;
  const exp = await db('expedientes').where({ numero }).first('id');
  return db('historial').where({ expediente_id: exp.id, accion }).orderBy('secuencia', 'desc').first();
}

function runDigest(t: T, fecha: string) {
  const { client, config } = t.context.stack;
  return client.workflow.execute<typeof resumenDiarioWorkflow>('resumenDiarioWorkflow', {
    taskQueue: config.temporal.taskQueue,
    workflowId: `resumen-prueba-${fecha}-${uid()}`,
    args: [{ fecha }],
  });
}

test('a derivation mails the office staff one aviso with number, asunto, proveído and tray; a retry or a replay does not double it', async (t) => {
  const { stack, mesa } = t.context;
  const { config, mail } = stack;
  const { numero, asunto } = await file(t, 'Licencia de funcionamiento');
  const proveido = `Emitir informe legal en 3 días ${uid()}`;
  await act(mesa, numero, 'derivar', { unidad: 'OAJ', proveido });

  const m = await mail.waitFor((x) => x.to.includes(PEOPLE.unidad) && x.subject.includes(`Expediente ${numero} derivado`));
  t.is(m.subject, `Expediente ${numero} derivado a Oficina de Asesoría Jurídica — ${config.institution.name}`);
  for (const s of [numero, asunto, `Proveído: ${proveido}`, `${config.http.publicUrl}/bandeja/por-recibir`, `${config.http.publicUrl}/expedientes/${numero}`, 'Marta Salazar Ríos derivó']) {
    t.true(m.text.includes(s), s);
  }
  t.true(m.html.includes(`href="${config.http.publicUrl}/bandeja/por-recibir"`));
  t.true(m.html.includes(proveido));

  // One per person of the office, no one else (mesa de partes, the supervisor, other offices).
  const paso = await pasoDe(t, numero, 'DERIVAR');
  const evento = `derivacion:${numero}:${paso.secuencia}`;
  const rows = await mailsOf(t, evento);
  t.deepEqual(rows.map((r) => r.destinatario), [PEOPLE.unidad]);

  // A retried activity finds the same mail; the queued row stays one.
  const again = await createAvisoActivities({ db: stack.db, config }).avisarPersonal({ numero, secuencia: paso.secuencia });
  t.deepEqual(again.correoIds, rows.map((r) => Number(r.id)));
  t.is((await mailsOf(t, evento)).length, 1);

  // The case's history replays on today's code (the activity's answer comes from it, nothing new is done).
  const handle = stack.client.workflow.getHandle(workflowIdFor(numero));
  const history = await handle.fetchHistory();
  const json = JSON.stringify(history);
  const patches = (history.events ?? []).flatMap((e) => {
    const m = e.markerRecordedEventAttributes;
    if (m?.markerName !== 'core_patch') return [];
    return Object.values(m.details ?? {}).flatMap((d) => (d.payloads ?? []).map((x) => Buffer.from(x.data ?? []).toString()));
  });
  t.true(patches.some((id) => id.includes('avisos-personal')), 'the patch marker is recorded');
  t.true(json.includes('avisarPersonal'));
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  await t.notThrowsAsync(Worker.runReplayHistory(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath }, history, handle.workflowId));

  // Its delivery, started again as a replayed workflow would, sends nothing new.
  await delivered(t, Number(rows[0].id));
  await stack.client.workflow.execute('correoWorkflow', { taskQueue: config.temporal.taskQueue, workflowId: correoWorkflowId(Number(rows[0].id)), args: [{ correoId: Number(rows[0].id), maxRetrySeconds: 1 }] });
  t.is(caught(t, PEOPLE.unidad, `Expediente ${numero} derivado`).length, 1);
});

test('a subsanación mails whoever observed: mesa de partes for its observation, the office for its own', async (t) => {
  const { stack, ciudadano, mesa, unidad } = t.context;
  const { config, mail } = stack;

  // Mesa de partes observed it in reception: mesa de partes is told, into «Por validar».
  const a = await file(t, 'Constancia de posesión');
  await act(mesa, a.numero, 'observar', { motivo: 'Falta la firma del solicitante' });
  const sub = await actionMultipart(stack.base, ciudadano, a.numero, 'subsanar', { nota: 'Adjunto la solicitud firmada' }, [{ field: 'documentos', name: 'firmada.pdf', data: await makePdf(1, 'Firmada') }]);
  t.is(sub.status, 200, JSON.stringify(sub.body));
  const m = await mail.waitFor((x) => x.to.includes(PEOPLE.mesa) && x.subject.includes(`Expediente ${a.numero} subsanado`));
  t.is(m.subject, `Expediente ${a.numero} subsanado — ${config.institution.name}`);
  for (const s of [a.asunto, 'vuelve a mesa de partes', 'Observación: Falta la firma del solicitante', 'Subsanación: Adjunto la solicitud firmada', `${config.http.publicUrl}/bandeja/por-validar`, `${config.http.publicUrl}/expedientes/${a.numero}`]) {
    t.true(m.text.includes(s), s);
  }
  const pasoA = await pasoDe(t, a.numero, 'SUBSANAR');
  t.deepEqual((await mailsOf(t, `subsanacion:${a.numero}:${pasoA.secuencia}`)).map((r) => r.destinatario), [PEOPLE.mesa]);

  // The office observed it after receiving it: its staff are told, into «En proceso»; not mesa de partes.
  const b = await file(t, 'Reconsideración de multa');
  await act(mesa, b.numero, 'derivar', { unidad: 'OAJ', proveido: 'Evaluar' });
  await act(unidad, b.numero, 'recibir');
  await act(unidad, b.numero, 'observar', { motivo: 'Precise el número de la resolución' });
  const subB = await actionMultipart(stack.base, ciudadano, b.numero, 'subsanar', { nota: 'Es la resolución 123-2026' }, []);
  t.is(subB.status, 200, JSON.stringify(subB.body));
  const mb = await mail.waitFor((x) => x.to.includes(PEOPLE.unidad) && x.subject.includes(`Expediente ${b.numero} subsanado`));
  for (const s of ['vuelve a Oficina de Asesoría Jurídica', 'Observación: Precise el número de la resolución', `${config.http.publicUrl}/bandeja/en-proceso`]) t.true(mb.text.includes(s), s);
  const pasoB = await pasoDe(t, b.numero, 'SUBSANAR');
  t.deepEqual((await mailsOf(t, `subsanacion:${b.numero}:${pasoB.secuencia}`)).map((r) => r.destinatario), [PEOPLE.unidad]);
});

test('each person as they chose: «Ninguno» gets nothing, «Resumen diario» one digest per business day listing what arrived, none on a holiday', async (t) => {
  const { stack, mesa, ciudadano } = t.context;
  const { db, config, mail } = stack;

  // Two derivations to the OA and an escrito to one of them.
  const uno = await file(t, 'Pago de arbitrios');
  const dos = await file(t, 'Devolución de garantía');
  await act(mesa, uno.numero, 'derivar', { unidad: 'OA', proveido: 'Verificar el pago' });
  await act(mesa, dos.numero, 'derivar', { unidad: 'OA', proveido: 'Calcular la devolución' });
  const form = new FormData();
  form.append('asunto', 'Adjunto el voucher');
  form.append('principal', new Blob([(await makePdf(1, 'Voucher')) as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), 'voucher.pdf');
  const esc = await fetch(`${stack.base}/api/v1/expedientes/${uno.numero}/escritos`, { method: 'POST', headers: { accept: 'application/json', cookie: ciudadano.cookie, 'x-csrf-token': ciudadano.csrf }, body: form });
  t.is(esc.status, 201, await esc.clone().text());

  // «Cada aviso» has each of them: by then the others' choices were applied in the same transactions.
  await mail.waitFor((x) => x.to.includes(OA.cada) && x.subject.includes(`Expediente ${uno.numero} derivado`));
  await mail.waitFor((x) => x.to.includes(OA.cada) && x.subject.includes(`Expediente ${dos.numero} derivado`));
  await mail.waitFor((x) => x.to.includes(OA.cada) && x.subject.includes(`Escrito nuevo en el expediente ${uno.numero}`));
  for (const who of [OA.resumen, OA.ninguno]) {
    t.is(Number((await db('correos').where({ destinatario: who }).count({ n: '*' }).first())!.n), 0, who);
    t.false(mail.messages.some((m) => m.to.includes(who)), who);
  }
  const cuenta = async (email: string) => Number((await db('cuentas').where({ email }).first('id')).id);
  t.is(Number((await db('avisos_personal').where({ cuenta_id: await cuenta(OA.ninguno) }).count({ n: '*' }).first())!.n), 0);
  const pendientes = await db('avisos_personal').where({ cuenta_id: await cuenta(OA.resumen) }).whereNull('enviado_en').orderBy('id');
  t.deepEqual(pendientes.map((a) => [a.tipo, a.numero]), [['DERIVACION', uno.numero], ['DERIVACION', dos.numero], ['ESCRITO', uno.numero]]);

  // The Schedule that starts the digest every day exists, made when the worker started.
  const schedule = await stack.client.schedule.getHandle(RESUMEN_DIARIO_SCHEDULE).describe();
  t.is(schedule.action.type, 'startWorkflow');
  t.like(schedule.action, { workflowType: 'resumenDiarioWorkflow', taskQueue: config.temporal.taskQueue });
  t.is(schedule.spec.timezone, 'America/Lima');

  // A holiday (8 December, from the calendar): no digest; the avisos keep waiting.
  const settings = await calendarSettings(db, config);
  const today = limaDay(new Date());
  const feriado = nationalHolidays(Number(today.slice(0, 4))).find((d) => d.endsWith('-12-08'))!;
  t.false(isBusinessDay(feriado, settings));
  t.like(await runDigest(t, feriado), { fecha: feriado, habil: false, resumenes: 0, correoIds: [] });
  t.is(Number((await db('avisos_personal').where({ cuenta_id: await cuenta(OA.resumen) }).whereNull('enviado_en').count({ n: '*' }).first())!.n), 3);

  // A business day whose opening has passed: one mail listing the three.
  let dia = addDays(today, -1);
  while (!isBusinessDay(dia, settings)) dia = addDays(dia, -1);
  const run = await runDigest(t, dia);
  t.like(run, { fecha: dia, habil: true, resumenes: 1 });
  t.is(run.correoIds.length, 1);
  const subject = `Resumen de avisos del ${formatDay(dia)}: 3 avisos`;
  const digest = await mail.waitFor((m) => m.to.includes(OA.resumen) && m.subject.includes(subject));
  for (const s of [`1. Derivado a su unidad: expediente ${uno.numero} — ${uno.asunto}`, 'Proveído: Verificar el pago', `2. Derivado a su unidad: expediente ${dos.numero} — ${dos.asunto}`, 'Proveído: Calcular la devolución', `3. Escrito nuevo: expediente ${uno.numero}`, 'Documento: Escrito N.º 1 — Adjunto el voucher', `${config.http.publicUrl}/expedientes/${dos.numero}`, `${config.http.publicUrl}/bandeja`]) {
    t.true(digest.text.includes(s), s);
  }
  const enviados = await db('avisos_personal').where({ cuenta_id: await cuenta(OA.resumen) }).orderBy('id');
  t.true(enviados.every((a) => a.enviado_en && Number(a.correo_id) === run.correoIds[0] && a.resumen_fecha === dia));

  // A second run the same day (a retry, a catch-up) sends nothing, even with a new aviso waiting: that one waits for the next day.
  await delivered(t, run.correoIds[0]);
  const tres = await file(t, 'Fraccionamiento');
  await act(mesa, tres.numero, 'derivar', { unidad: 'OA', proveido: 'Evaluar el fraccionamiento' });
  await mail.waitFor((x) => x.to.includes(OA.cada) && x.subject.includes(`Expediente ${tres.numero} derivado`));
  t.like(await runDigest(t, dia), { fecha: dia, habil: true, resumenes: 0, correoIds: [] });
  t.is(Number((await db('correos').where({ destinatario: OA.resumen }).count({ n: '*' }).first())!.n), 1);
  t.is(caught(t, OA.resumen, 'Resumen de avisos').length, 1);
  t.deepEqual((await db('avisos_personal').where({ cuenta_id: await cuenta(OA.resumen) }).whereNull('enviado_en')).map((a) => a.numero), [tres.numero]);

  // «Ninguno» never had a mail or a digest.
  t.false(mail.messages.some((m) => m.to.includes(OA.ninguno)));
});

test('the profile: staff who receive work choose how (saved, API and page), others are refused; bad values are 400 with the field', async (t) => {
  const { stack, ciudadano, supervisor, perfilGg } = t.context;
  t.is((await perfilGg.json('GET', '/api/v1/cuentas/perfil')).body.avisos, 'CADA_AVISO');
  t.is((await ciudadano.json('GET', '/api/v1/cuentas/perfil')).body.avisos, null);
  t.is((await supervisor.json('GET', '/api/v1/cuentas/perfil')).body.avisos, null);

  const bad = await perfilGg.json('PATCH', '/api/v1/cuentas/perfil', { avisos: 'A_VECES' });
  t.is(bad.status, 400);
  t.like(bad.body.error, { campo: 'avisos', message: 'Elija cómo recibir los avisos: Cada aviso, Resumen diario o Ninguno.' });
  for (const c of [ciudadano, supervisor]) {
    const r = await c.json('PATCH', '/api/v1/cuentas/perfil', { avisos: 'NINGUNO' });
    t.is(r.status, 400);
    t.like(r.body.error, { campo: 'avisos', message: 'Solo el personal de mesa de partes y de las unidades orgánicas elige sus avisos de trabajo.' });
  }
  t.is((await stack.db('cuentas').where({ email: PEOPLE.ciudadano }).first('avisos')).avisos, 'CADA_AVISO');
});

test('in a browser: a clerk chooses «Resumen diario» on the profile page and it is kept; a citizen sees no such choice', async (t) => {
  const { stack } = t.context;
  const walk = await openBrowser(stack.base);
  t.teardown(() => walk.close());

  const p = await walk.session('gg-perfil@demo.gob.pe', '/cuenta/perfil');
  t.true(p.url().endsWith('/cuenta/perfil'));
  t.is(await p.$eval('#f-avisos legend', (e) => e.textContent), 'Avisos de trabajo por correo');
  t.is(await p.$eval('input[name="avisos"]:checked', (e) => (e as HTMLInputElement).value), 'CADA_AVISO');
  t.deepEqual(await axeViolations(p), []);
  await p.click('input[name="avisos"][value="RESUMEN_DIARIO"]');
  await Promise.all([p.waitForNavigation(), p.click('main form button[type="submit"]')]);
  t.true(p.url().endsWith('/cuenta/perfil?guardado=1'), await p.$eval('main', (e) => e.textContent ?? ''));
  t.true((await p.$eval('main', (e) => e.textContent ?? '')).includes('Sus datos fueron actualizados.'));
  t.is(await p.$eval('input[name="avisos"]:checked', (e) => (e as HTMLInputElement).value), 'RESUMEN_DIARIO');
  t.is((await stack.db('cuentas').where({ email: 'gg-perfil@demo.gob.pe' }).first('avisos')).avisos, 'RESUMEN_DIARIO');

  const c = await walk.session(PEOPLE.ciudadano, '/cuenta/perfil');
  t.true(c.url().endsWith('/cuenta/perfil'));
  t.is(await c.$('#f-avisos'), null);
  t.is(await c.$('input[name="avisos"]'), null);
  t.false((await c.$eval('main', (e) => e.textContent ?? '')).includes('Resumen diario'));
  t.deepEqual(walk.errors, []);
});

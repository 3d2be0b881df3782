// The casilla's side effects under failure, on the real workflow: Chromium dying while it prints a
// constancia, and the SMTP server refusing mail. Both only delay the constancia and the alert; the
// notification is deposited at once, and nothing is lost or done twice.
import test from 'ava';
import { createHash } from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { startStack, startWorker } from './helpers/stack';
import { actionMultipart, fileMultipart, loginAs, makePdf } from './helpers/http';
import { until } from './helpers/wait';
import { createMailer } from '../lib/mailer';
import { dbCalendar } from '../lib/business-calendar';
import { createActivities } from '../activities';
import { correoWorkflowId, workflowIdFor } from '../workflows/definitions';
import { issueDocument, type PdfRenderer } from '../lib/pdf';
import type { PaginaCasilla } from '../services/casilla/casilla';

const sha256 = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');
const isConstancia = (html: string) => html.includes('CONSTANCIA DE NOTIFICACIÓN ELECTRÓNICA');

test.serial('Chromium crashing while it prints the constancia delays it: printed once, mailed once', async (t) => {
  const stack = await startStack({}, { worker: false });
  const real = stack.pdf;
  let crashes = 2;
  let constanciaRenders = 0;
  const pids: (number | undefined)[] = [];
  // The worker's renderer: the first two constancia jobs lose their browser mid-print.
  const crashing: PdfRenderer = {
    async render(html) {
      if (!isConstancia(html)) return real.render(html);
      constanciaRenders++;
      if (crashes === 0) return real.render(html);
      crashes--;
      const job = real.render(html);
      let pid: number | undefined;
      await until(async () => (pid = await real.browserPid()) !== undefined);
      pids.push(pid);
      process.kill(pid!, 'SIGKILL');
      await job.catch(() => undefined);
      throw new Error('Chromium se cerró mientras imprimía la constancia');
    },
    issue: (build, razon) => issueDocument((html) => crashing.render(html), real.signer, build, razon),
    signer: real.signer,
    close: () => real.close(),
    browserPid: () => real.browserPid(),
  };
  const deps = {
    db: stack.db,
    config: stack.config,
    mailer: createMailer(stack.config.mail.smtpUrl!, stack.config.mail.from),
    storage: stack.storage,
    pdf: crashing,
    calendar: dbCalendar(stack.db, stack.config),
  };
  const worker = await startWorker(stack.config, deps);
  t.teardown(async () => {
    await worker.stop();
    deps.mailer.close();
    await stack.close();
  });

  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: 'Constancia con Chromium inestable' });
  const numero = body.numero as string;
  // The cargo first: the crash hits the constancia alone.
  await until(async () => !!(await stack.db('expedientes').where({ numero }).first()).cargo_key);
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Falta el plano' })).status, 200);
  // The deposit does not wait for Chromium.
  const n = await stack.db('notificaciones').where({ evento: `observacion:${numero}:2` }).first();
  t.truthy(n);

  const alert = await stack.mail.waitFor((m) => m.subject.includes(`expediente ${numero}`) && m.subject.includes('observaciones'));
  const row = await stack.db('notificaciones').where({ id: n.id }).first();
  t.is(constanciaRenders, 3, 'two crashed tries, then the one that printed');
  t.not(pids[0], pids[1], 'each crash took a real browser down');
  const stored = await stack.storage.read(row.constancia_sha256);
  t.is((await PDFDocument.load(stored)).getPageCount(), 1);
  t.is(sha256(alert.attachments[0].content), row.constancia_sha256);
  t.is((await stack.db('verificaciones').where({ codigo: row.codigo_verificacion })).length, 1);
  t.is((await stack.db('correos').where({ evento: `casilla:observacion:${numero}:2` })).length, 1);

  // A later try of the same activity (a retry after a lost acknowledgement) prints nothing new.
  const again = await createActivities(deps).emitConstancia({ id: n.id });
  t.is(again.correoId, row.correo_id);
  t.is(constanciaRenders, 3);
  t.is((await stack.db('notificaciones').where({ id: n.id }).first()).constancia_sha256, row.constancia_sha256);
  await stack.client.workflow.getHandle(correoWorkflowId(row.correo_id)).result();
  t.is(stack.mail.messages.filter((m) => m.subject === alert.subject).length, 1);
});

test.serial('an SMTP outage delays the alert, never loses or doubles it; the constancia is in the casilla meanwhile', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const unidad = await loginAs(stack.base, 'unidad@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: 'Respuesta durante una caída del correo' });
  const numero = body.numero as string;
  const path = `/api/v1/expedientes/${numero}`;
  await mesa.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Atender' });
  await unidad.post(`${path}/recibir`);

  stack.mail.setDown(true);
  const done = await actionMultipart(stack.base, unidad, numero, 'atender', { comentario: 'Se atiende lo solicitado' }, [{ field: 'respuesta', name: 'respuesta.pdf', data: await makePdf(1, 'Respuesta') }]);
  t.is(done.status, 200);
  const list = (await (await ciudadano.get('/api/v1/casilla')).json()) as PaginaCasilla;
  const n = list.notificaciones.find((x) => x.expediente === numero);
  t.truthy(n, 'deposited while the mail server is down');
  const constancia = await ciudadano.get(n!.constanciaUrl);
  t.is(constancia.status, 200);
  const pdf = Buffer.from(await constancia.arrayBuffer());

  // The alert waits in the outbox, tried again and again.
  const correo = () => stack.db('correos').where('evento', 'like', `casilla:atencion:${numero}:%`).first();
  await until(async () => ((await correo())?.intentos ?? 0) >= 2);
  t.is((await correo()).enviado_en, null);
  t.truthy((await correo()).ultimo_error);
  t.false(stack.mail.messages.some((m) => m.subject.includes(`expediente ${numero}`)));

  stack.mail.setDown(false);
  const alert = await stack.mail.waitFor((m) => m.subject.includes(`expediente ${numero}`) && m.subject.includes('Se atendió'));
  t.is(sha256(alert.attachments[0].content), sha256(pdf));
  const row = await correo();
  await stack.client.workflow.getHandle(correoWorkflowId(row.id)).result();
  await stack.client.workflow.getHandle(workflowIdFor(numero)).result();
  t.truthy((await correo()).enviado_en);
  t.is(stack.mail.messages.filter((m) => m.subject.includes(`expediente ${numero}`) && m.subject.includes('Se atendió')).length, 1);
  t.is((await stack.db('notificaciones').where({ expediente_id: (await stack.db('expedientes').where({ numero }).first()).id })).length, 1);
});

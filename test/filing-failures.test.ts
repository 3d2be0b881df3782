// Filing when things go wrong: the worker is down, the client hangs up mid-upload, the upload
// outlasts the session's idle timeout. Nothing is lost, nothing is left half-made.
import test from 'ava';
import { request } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { manualClock } from '../lib/clock';
import { releasePdf, startStack, startWorker, testPdf } from './helpers/stack';
import { fileMultipart, loginAs, makePdf } from './helpers/http';
import { until } from './helpers/wait';
import { filingHead } from './helpers/filing';
import { workflowIdFor } from '../workflows/definitions';
import { createMailer } from '../lib/mailer';

test('with the worker down the filing is kept, and its case runs when a worker returns', async (t) => {
  const stack = await startStack({}, { worker: false });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Presentado con el worker caído' });
  t.is(r.status, 201);
  const row = () => stack.db('expedientes').where({ numero: r.body.numero }).first();
  t.is((await row()).cargo_key, null);

  const mailer = createMailer(stack.config.mail.smtpUrl!, stack.config.mail.from);
  const worker = await startWorker(stack.config, { db: stack.db, config: stack.config, storage: stack.storage, mailer, pdf: testPdf() });
  t.teardown(async () => {
    await worker.stop();
    mailer.close();
    await releasePdf();
  });
  await until(async () => Boolean((await row()).cargo_key));
  const seg = await stack.db('historial').where({ expediente_id: (await row()).id });
  t.is(seg[0].accion, 'PRESENTAR');
  await stack.mail.waitFor((m) => m.subject.includes(`Cargo de recepción del expediente ${r.body.numero}`));
  const desc = await stack.client.workflow.getHandle(workflowIdFor(r.body.numero)).describe();
  t.is(desc.status.name, 'RUNNING');
});

test('a connection dropped mid-upload files nothing and leaves no partial file', async (t) => {
  const stack = await startStack();
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const before = (await stack.db('expedientes').count<{ count: number }[]>('* as count'))[0].count;
  const boundary = '----mpv-corte';
  const head = filingHead(boundary, 'Se corta a la mitad', 'grande.pdf');
  const pdf = Buffer.from(await makePdf(1));
  const url = new URL(`${stack.base}/api/v1/expedientes`);
  const tmpDir = join(stack.storageDir, 'tmp');
  await new Promise<void>((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: ciudadano.cookie, 'x-csrf-token': ciudadano.csrf } },
      () => resolve(),
    );
    req.on('error', () => resolve());
    req.write(head);
    req.write(pdf.subarray(0, 200));
    // Half a file, then the client is gone.
    req.write(Buffer.alloc(256 * 1024, 0x41), () => setTimeout(() => req.destroy(), 100));
  });
  // The server notices the hang-up and cleans up; then there is still no new expediente.
  await until(async () => {
    const files = await readdir(tmpDir).catch(() => []);
    return files.length === 0;
  });
  const after = (await stack.db('expedientes').count<{ count: number }[]>('* as count'))[0].count;
  t.is(after, before);
});

test('a long upload keeps its session even past the idle timeout', async (t) => {
  const clock = manualClock(new Date());
  const stack = await startStack({}, { clock });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const pdf = await makePdf(2);
  const boundary = '----mpv-lento';
  const enc = new TextEncoder();
  let push!: (chunk: Uint8Array | null) => void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      push = (c) => (c ? controller.enqueue(c) : controller.close());
    },
  });
  const sent = fetch(`${stack.base}/api/v1/expedientes`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: ciudadano.cookie, 'x-csrf-token': ciudadano.csrf, accept: 'application/json' },
    body,
    duplex: 'half',
  } as RequestInit);
  push(enc.encode(filingHead(boundary, 'Una carga muy lenta', 'lento.pdf')));
  push(pdf.subarray(0, 100));
  // Once the file is streaming into storage (the session was checked), more than the idle
  // timeout (30 min) passes before it finishes.
  const tmpDir = join(stack.storageDir, 'tmp');
  await until(async () => (await readdir(tmpDir).catch(() => [])).length > 0);
  clock.advance(45 * 60_000);
  push(pdf.subarray(100));
  push(enc.encode(`\r\n--${boundary}--\r\n`));
  push(null);
  const res = await sent;
  t.is(res.status, 201, await res.clone().text());
  t.regex(((await res.json()) as { numero: string }).numero, /^\d{5}-\d{4}$/);
});

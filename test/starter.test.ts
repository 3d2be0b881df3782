// Deferred workflow starts (services/starter.ts): while more filings than INICIO_DIFERIDO_DESDE are in
// flight, a filing is answered at once and its workflow starts when the burst is over, or when it
// has waited INICIO_DIFERIDO_MAX_SEGUNDOS. Nothing is lost, nothing starts twice, and an action
// on a case whose start is still waiting starts it first.
import test from 'ava';
import { request, type ClientRequest } from 'node:http';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startStack } from './helpers/stack';
import { fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { until } from './helpers/wait';
import { filingHead, filingInput } from './helpers/filing';
import { workflowIdFor } from '../workflows/definitions';

type Stack = Awaited<ReturnType<typeof startStack>>;

/** Filings kept in flight: each sends its fields and the start of its file, then waits. */
async function holdFilings(stack: Stack, who: Client, n: number) {
  const boundary = '----mpv-en-curso';
  const head = filingHead(boundary, 'Una carga que sigue en curso', 'en-curso.pdf');
  const pdf = Buffer.from(await makePdf(1));
  const url = new URL(`${stack.base}/api/v1/expedientes`);
  const requests: ClientRequest[] = [];
  for (let i = 0; i < n; i++) {
    const req = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie: who.cookie, 'x-csrf-token': who.csrf },
    });
    req.on('error', () => {});
    req.write(head);
    req.write(pdf.subarray(0, 200));
    requests.push(req);
  }
  // In flight once their files are streaming into storage.
  const tmpDir = join(stack.storageDir, 'tmp');
  await until(async () => (await readdir(tmpDir).catch(() => [])).length >= n);
  return {
    release: async () => {
      for (const r of requests) r.destroy();
      await until(async () => (await readdir(tmpDir).catch(() => [])).length === 0);
    },
  };
}

const started = async (stack: Stack, numero: string) =>
  Boolean((await stack.db('expedientes').where({ numero }).first('workflow_iniciado_en')).workflow_iniciado_en);

async function runsOf(stack: Stack, numero: string) {
  let n = 0;
  for await (const _ of stack.client.workflow.list({ query: `WorkflowId = '${workflowIdFor(numero)}'` })) n += 1;
  return n;
}

test('during a burst a filing is answered at once and its workflow starts when the burst is over, once', async (t) => {
  const stack = await startStack({ INICIO_DIFERIDO_DESDE: '2', INICIO_DIFERIDO_CALMA_MS: '200', INICIO_DIFERIDO_MAX_SEGUNDOS: '3600' });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const busy = await holdFilings(stack, ciudadano, 2);

  // Two in flight and this one: three, more than two. It gets its number and its cargo link.
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Presentado en plena congestión' });
  t.is(r.status, 201);
  const numero = r.body.numero as string;
  t.false(await started(stack, numero));
  t.is(stack.starter.waiting(), 1);
  await t.throwsAsync(() => stack.client.workflow.getHandle(workflowIdFor(numero)).describe());

  // The burst ends: the workflow starts, the case runs and its cargo is printed and mailed.
  await busy.release();
  await until(() => started(stack, numero));
  await until(async () => Boolean((await stack.db('expedientes').where({ numero }).first('cargo_key')).cargo_key));
  await stack.mail.waitFor((m) => m.subject.includes(`Cargo de recepción del expediente ${numero}`));
  t.is(await runsOf(stack, numero), 1);
  const seg = await stack.db('historial').join('expedientes', 'expedientes.id', 'historial.expediente_id').where({ numero }).select('accion');
  t.deepEqual(
    seg.map((s) => s.accion),
    ['PRESENTAR'],
  );
  t.is(stack.starter.waiting(), 0);
});

test('an action on a case whose start is still waiting starts it first, and nothing starts twice', async (t) => {
  const stack = await startStack({ INICIO_DIFERIDO_DESDE: '1', INICIO_DIFERIDO_CALMA_MS: '200', INICIO_DIFERIDO_MAX_SEGUNDOS: '3600' });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const busy = await holdFilings(stack, ciudadano, 1);
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Derivado antes de que arranque su workflow' });
  t.is(r.status, 201);
  const numero = r.body.numero as string;
  t.false(await started(stack, numero));

  // Still busy: mesa de partes derives it; the action starts the workflow and then runs.
  const d = await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Atender según corresponda' });
  t.is(d.status, 200);
  t.is(d.body.estado, 'DERIVADO');
  t.true(await started(stack, numero));

  // The queued start, made when the burst ends, finds the workflow already running.
  await busy.release();
  await until(() => stack.starter.waiting() === 0);
  t.is(await runsOf(stack, numero), 1);
  const seg = await stack.db('historial').join('expedientes', 'expedientes.id', 'historial.expediente_id').where({ numero }).orderBy('secuencia').select('accion');
  t.deepEqual(
    seg.map((s) => s.accion),
    ['PRESENTAR', 'DERIVAR'],
  );
});

test('a start never waits longer than INICIO_DIFERIDO_MAX_SEGUNDOS, even if the burst goes on', async (t) => {
  const stack = await startStack({ INICIO_DIFERIDO_DESDE: '1', INICIO_DIFERIDO_CALMA_MS: '60000', INICIO_DIFERIDO_MAX_SEGUNDOS: '1' });
  t.teardown(() => stack.close());
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const busy = await holdFilings(stack, ciudadano, 1);
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Presentado durante una congestión larga' });
  t.is(r.status, 201);
  const numero = r.body.numero as string;
  t.false(await started(stack, numero));
  // The filing still in flight keeps the server busy; the start is made anyway.
  await until(() => started(stack, numero));
  t.is(stack.starter.waiting(), 0);
  const desc = await stack.client.workflow.getHandle(workflowIdFor(numero)).describe();
  t.is(desc.status.name, 'RUNNING');
  await busy.release();
});

test('the sweeper starts a filing whose start was lost with its process, and leaves recent ones to it', async (t) => {
  const stack = await startStack({ INICIO_DIFERIDO_MAX_SEGUNDOS: '5' });
  t.teardown(() => stack.close());
  const { fileExpediente } = await import('../services/expedientes/registro');
  const { startSweeper } = await import('../services/sweeper');
  // Recorded, but its process ended before starting the workflow.
  const now = new Date();
  const { row } = await fileExpediente(stack.db, filingInput('Su proceso terminó antes de iniciarlo', {}, now), now);
  const sweeper = startSweeper(stack.db, stack.client, stack.config, 3_600_000);
  t.teardown(() => sweeper.stop());
  // Younger than INICIO_DIFERIDO_MAX_SEGUNDOS: its own process may still start it.
  await sweeper.tick();
  t.false(await started(stack, row.numero));
  // Older: it was lost; the sweeper starts it, once.
  await stack.db('expedientes').where({ id: row.id }).update({ presentado_en: new Date(now.getTime() - 10_000) });
  await sweeper.tick();
  t.true(await started(stack, row.numero));
  await sweeper.tick();
  t.is(await runsOf(stack, row.numero), 1);
  const desc = await stack.client.workflow.getHandle(workflowIdFor(row.numero)).describe();
  t.is(desc.status.name, 'RUNNING');
});

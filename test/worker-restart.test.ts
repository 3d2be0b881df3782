// A worker process killed mid-case loses nothing: a new worker replays the history and the case
// finishes, with every transition recorded exactly once.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pdfChromium, required, startStack } from './helpers/stack';
import { actionMultipart, fileMultipart, loginAs, makePdf } from './helpers/http';

const workerScript = fileURLToPath(new URL('../bin/worker.ts', import.meta.url));

function spawnWorker(env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', workerScript], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('Worker listo')) resolve(child);
    });
    child.stderr!.on('data', (d) => {
      out += d;
      process.stderr.write(`[worker ${child.pid}] ${d}`);
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') process.stderr.write(`[worker ${child.pid}] terminó (${signal ?? code})\n`);
      reject(new Error(`el worker terminó (código ${code}):\n${out}`));
    });
  });
}

test('a killed worker is replaced and the case finishes', async (t) => {
  const stack = await startStack({}, { worker: false });
  t.teardown(() => stack.close());
  const env = {
    ...process.env,
    DATABASE_URL: stack.dbUrl,
    TEMPORAL_ADDRESS: stack.config.temporal.address,
    TEMPORAL_TASK_QUEUE: stack.config.temporal.taskQueue,
    TEMPORAL_NAMESPACE: stack.config.temporal.namespace,
    PUPPETEER_EXECUTABLE_PATH: required('PUPPETEER_EXECUTABLE_PATH'),
    PDF_CHROMIUM_PATH: pdfChromium(),
    SMTP_URL: stack.config.mail.smtpUrl,
  };

  const first = await spawnWorker(env);
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const unidad = await loginAs(stack.base, 'unidad@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano, { tipoDocumento: 'OFICIO', asunto: 'Remite información solicitada' });
  const numero = body.numero as string;
  const d = await mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Atender según corresponda' });
  t.is(d.status, 200);
  t.is((await unidad.post(`/api/v1/expedientes/${numero}/recibir`)).status, 200);

  const died = new Promise((r) => first.once('exit', r));
  first.kill('SIGKILL');
  await died;

  // Sent while no worker runs: it waits for one instead of failing.
  const pending = actionMultipart(stack.base, unidad, numero, 'atender', { comentario: 'Se remitió lo solicitado' }, [
    { field: 'respuesta', name: 'respuesta.pdf', data: await makePdf(1, 'Respuesta') },
  ]);
  const second = await spawnWorker(env);
  t.teardown(() => void second.kill('SIGTERM'));

  const a = await pending;
  t.deepEqual(a, { status: 200, body: { numero, estado: 'ATENDIDO' } });
  const [n, year] = numero.split('-');
  const result = await stack.client.workflow.getHandle(`expediente-${year}-${n}`).result();
  t.is(result.estado, 'ATENDIDO');
  const rows = await stack.db('historial').join('expedientes', 'expedientes.id', 'historial.expediente_id').where({ numero }).orderBy('secuencia');
  t.deepEqual(
    rows.map((r) => r.accion),
    ['PRESENTAR', 'DERIVAR', 'RECIBIR', 'ATENDER'],
  );
});

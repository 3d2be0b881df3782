// Records the history of one complete expediente case for the replay tests:
//   TEMPORAL_CLI=… TEST_TEMPORAL_ADDRESS=127.0.0.1:7233 TEST_DATABASE_URL=postgres://…/postgres \
//   npx tsx test/tools/record-history.ts test/histories/<name>.json
// Keep old files: replaying them is how a change that breaks running workflows is caught.
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startStack } from '../helpers/stack';
import { actionMultipart, fileMultipart, loginAs, makePdf } from '../helpers/http';

const out = process.argv[2];
if (!out) throw new Error('Indique el archivo de salida.');
const stack = await startStack();
try {
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const supervisor = await loginAs(stack.base, 'supervisor@demo.gob.pe');
  const mesa = await loginAs(stack.base, 'mesa@demo.gob.pe');
  const unidad = await loginAs(stack.base, 'unidad@demo.gob.pe');
  const { body } = await fileMultipart(stack.base, ciudadano, { tipoDocumento: 'SOLICITUD', asunto: 'Solicitud de acceso a la información pública' });
  const path = `/api/v1/expedientes/${body.numero}`;
  await mesa.post(`${path}/observar`, { motivo: 'Falta la firma del solicitante' });
  await actionMultipart(stack.base, ciudadano, body.numero, 'subsanar', { nota: 'Adjunto la solicitud firmada' }, [
    { field: 'documentos', name: 'firmada.pdf', data: await makePdf(1, 'Firmada') },
  ]);
  await mesa.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Para opinión' });
  await unidad.post(`${path}/recibir`);
  await supervisor.post(`${path}/derivar`, { unidad: 'OA', proveido: 'Para atención' });
  await supervisor.post(`${path}/recibir`);
  await actionMultipart(stack.base, supervisor, body.numero, 'atender', { comentario: 'Se entregó la información' }, [
    { field: 'respuesta', name: 'respuesta.pdf', data: await makePdf(1, 'Respuesta') },
  ]);
  const [n, year] = (body.numero as string).split('-');
  const handle = stack.client.workflow.getHandle(`expediente-${year}-${n}`);
  await handle.result();
  // The CLI writes the canonical proto3 JSON that Worker.runReplayHistory reads.
  const json = execFileSync(process.env.TEMPORAL_CLI ?? 'temporal', [
    'workflow', 'show', '--output', 'json',
    '--address', stack.config.temporal.address,
    '--namespace', stack.config.temporal.namespace,
    '--workflow-id', handle.workflowId,
  ]);
  writeFileSync(out, json);
  console.log(`Historia guardada en ${out}`);
} finally {
  await stack.close();
}

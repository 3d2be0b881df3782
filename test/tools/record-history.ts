// Records the history of one complete expediente case for the replay tests:
//   TEMPORAL_CLI=… TEST_TEMPORAL_ADDRESS=127.0.0.1:7233 TEST_DATABASE_URL=postgres://…/postgres \
//   npx tsx test/tools/record-history.ts test/histories/<name>.json
// Keep old files: replaying them is how a change that breaks running workflows is caught.
import { writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { startStack } from '../helpers/stack';
import { loginAs } from '../helpers/http';

const out = process.argv[2];
if (!out) throw new Error('Indique el archivo de salida.');
const stack = await startStack();
try {
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const supervisor = await loginAs(stack.base, 'supervisor@demo.gob.pe');
  const { body } = await ciudadano.post('/api/v1/expedientes', { tipoDocumento: 'SOLICITUD', asunto: 'Solicitud de acceso a la información pública' });
  const path = `/api/v1/expedientes/${body.numero}`;
  await supervisor.post(`${path}/atender`, { comentario: 'Rechazada: aún no derivado' });
  await supervisor.post(`${path}/derivar`, { unidad: 'OAJ', proveido: 'Para opinión' });
  await supervisor.post(`${path}/derivar`, { unidad: 'OA', proveido: 'Para atención' });
  await supervisor.post(`${path}/atender`, { comentario: 'Se entregó la información' });
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

// `npm run worker`: the Temporal worker (expediente workflows + their activities).
import { setPriority } from 'node:os';
import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../lib/config';
import { createDb } from '../lib/db';
import { createPdfRenderer } from '../lib/pdf';
import { loadSignerOrExit } from '../lib/signing';
import { createWorker } from '../lib/worker';
import { createActivities } from '../activities';
import { createMailer } from '../lib/mailer';
import { localStorage } from '../lib/storage';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  console.error('Falta DATABASE_URL.');
  process.exit(78);
}
// Lower priority before Chromium starts, so it inherits it (see WORKER_PRIORIDAD).
try {
  setPriority(config.workerNice);
} catch (err) {
  console.warn(`No se pudo fijar la prioridad del worker: ${(err as Error).message}`);
}
const db = createDb(config.databaseUrl);
const pdf = config.chromiumPath ? createPdfRenderer(config.chromiumPath, { concurrency: config.pdfConcurrency, signer: loadSignerOrExit(config) }) : undefined;
if (pdf) {
  // Prove Chromium works before taking tasks: one test page, once.
  const probe = await pdf.render('<h1>Mesa de Partes Virtual</h1><p>Prueba de impresión.</p>');
  console.log(`Chromium listo: página de prueba impresa (${probe.length} bytes de PDF).`);
} else {
  console.warn('PUPPETEER_EXECUTABLE_PATH no está definido: no se podrán imprimir PDF.');
}
const connection = await NativeConnection.connect({ address: config.temporal.address });
const worker = await createWorker({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  // A bundle built beforehand (`npm test` and `npm run bench` make one); otherwise from source.
  bundlePath: process.env.WORKFLOW_BUNDLE || undefined,
  activities: createActivities({
    db,
    config,
    pdf,
    mailer: config.mail.smtpUrl ? createMailer(config.mail.smtpUrl, config.mail.from) : undefined,
    storage: localStorage(config.storageDir),
  }),
});
if (!config.mail.smtpUrl) console.warn('SMTP_URL no está definido: los correos esperarán en la bandeja de salida.');
console.log(`Worker listo en la cola "${config.temporal.taskQueue}" (${config.temporal.address}).`);
try {
  await worker.run();
} finally {
  await pdf?.close();
  await connection.close();
  await db.destroy();
}

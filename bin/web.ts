// `npm run web`: the Koa web server (JSON API + pages).
import { loadConfigOrExit } from '../lib/config';
import { createDb } from '../lib/db';
import { connectClient } from '../lib/temporal';
import { createApp } from '../http/app';
import { systemClock } from '../lib/clock';
import { createIdentityRegistry } from '../lib/identity-registry';
import { localStorage } from '../lib/storage';
import { dbCalendar } from '../lib/business-calendar';
import { startSweeper } from '../services/sweeper';
import { createStarter } from '../services/starter';
import { createPdfRenderer } from '../lib/pdf';
import { loadSignerOrExit } from '../lib/signing';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  console.error('Falta DATABASE_URL.');
  process.exit(78);
}
const db = createDb(config.databaseUrl);
const temporal = await connectClient(config.temporal);
const starter = createStarter(db, temporal, config);
const app = createApp({
  db,
  temporal,
  config,
  starter,
  clock: systemClock,
  identity: createIdentityRegistry(config.identity),
  storage: localStorage(config.storageDir),
  calendar: dbCalendar(db, config),
  // PDF exports of trays and the casilla; Chromium starts on the first one.
  pdf: config.chromiumPath ? createPdfRenderer(config.chromiumPath, { concurrency: 1, signer: loadSignerOrExit(config) }) : undefined,
});
const sweeper = startSweeper(db, temporal, config);
const server = app.listen(config.http.port, config.http.host, () => {
  console.log(`Portal escuchando en ${config.http.publicUrl} (${config.http.host}:${config.http.port}).`);
});
// Uploads can be slow: do not let Node's default request timeout cut them off.
server.requestTimeout = 0;

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  sweeper.stop();
  const finish = async () => {
    // Filings answered during a burst whose workflows have not started yet: start them now.
    await starter.drain().catch(() => {});
    starter.stop();
    await temporal.connection.close();
    await db.destroy();
    process.exit(0);
  };
  server.close(() => void finish());
  setTimeout(() => process.exit(0), 5000).unref();
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

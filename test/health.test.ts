// /health says the process is alive; /ready says whether the database and Temporal answer.
import test from 'ava';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../api/app';
import { createStarter } from '../api/starter';
import { createDb } from '../lib/db';
import { systemClock } from '../lib/clock';
import { offlineRegistry } from '../lib/identity-registry';
import { localStorage } from '../lib/storage';
import { dbCalendar } from '../lib/business-calendar';
import { startStack, testConfig } from './helpers/stack';
import { freePort } from './helpers/ports';

test('/health and /ready answer 200 when everything is up', async (t) => {
  const stack = await startStack({}, { worker: false });
  t.teardown(() => stack.close());
  const h = await fetch(`${stack.base}/health`);
  t.is(h.status, 200);
  const r = await fetch(`${stack.base}/ready`);
  t.is(r.status, 200);
  t.deepEqual(await r.json(), { status: 'ok', antivirus: 'desactivado' });
});

test('/ready answers 503 naming what is down', async (t) => {
  const deadPort = await freePort();
  const config = testConfig({ TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}` });
  const db = createDb(`postgres://postgres:postgres@127.0.0.1:${deadPort}/nada`);
  const connection = Connection.lazy({ address: config.temporal.address, connectTimeout: 500 });
  const temporal = new Client({ connection });
  const starter = createStarter(db, temporal, config);
  const app = createApp({ db, temporal, config, clock: systemClock, identity: offlineRegistry(), storage: localStorage('/tmp/mpv-health-files'), calendar: dbCalendar(db, config), starter });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  t.teardown(async () => {
    server.close();
    await db.destroy();
  });
  const { port } = server.address() as { port: number };
  const health = await fetch(`http://127.0.0.1:${port}/health`);
  t.is(health.status, 200);
  const r = await fetch(`http://127.0.0.1:${port}/ready`);
  t.is(r.status, 503);
  const body = (await r.json()) as any;
  t.deepEqual(body.caidos, ['base de datos', 'Temporal']);
});

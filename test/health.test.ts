// /health says the process is alive; /ready says whether the database and Temporal answer.
import test from 'ava';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../http/app';
import { createStarter } from '../services/starter';
import { createDb } from '../lib/db';
import { systemClock } from '../lib/clock';
import { offlineRegistry } from '../lib/identity-registry';
import { localStorage } from '../lib/storage';
import { dbCalendar } from '../lib/business-calendar';
import { startStack, testConfig } from './helpers/stack';
import { freePort } from './helpers/ports';
import type { Json } from './helpers/http';

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
  const body = (await r.json()) as Json;
  t.deepEqual(body.caidos, ['base de datos', 'Temporal']);
});

test.serial('each request is logged once: method, route pattern, status and time; never the values or the query; passing probes not at all', async (t) => {
  const stack = await startStack({ REGISTRO_PETICIONES: '1' }, { worker: false });
  const lines: string[] = [];
  const info = console.info;
  console.info = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  t.teardown(async () => {
    console.info = info;
    await stack.close();
  });
  t.is((await fetch(`${stack.base}/api/v1/expedientes/00001-2026?dni=40000001`)).status, 401);
  t.is((await fetch(`${stack.base}/no-existe`, { headers: { accept: 'application/json' } })).status, 404);
  t.is((await fetch(`${stack.base}/api/v1/catalogos`)).status, 200);
  // Probes that pass are not logged: a proxy sends one every few seconds.
  t.is((await fetch(`${stack.base}/health`)).status, 200);
  console.info = info;
  const web = lines.filter((l) => l.startsWith('[web] '));
  t.is(web.length, 3);
  t.regex(web[0], /^\[web\] GET \/api\/v1\/expedientes\/:numero 401 \d+\.\d ms$/);
  t.regex(web[1], /^\[web\] GET - 404 \d+\.\d ms$/);
  t.regex(web[2], /^\[web\] GET \/api\/v1\/catalogos 200 \d+\.\d ms$/);
  t.false(web.some((l) => l.includes('00001-2026') || l.includes('40000001')));
});

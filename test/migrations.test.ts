// Every migration has a real down(): up, down to nothing, and up again.
import test from 'ava';
import { createTestDb } from './helpers/stack';
import { migrationConfig } from '../lib/db';

test('migrations go up, all the way down, and up again', async (t) => {
  const { db, drop } = await createTestDb({ migrate: false });
  t.teardown(drop);
  const cfg = migrationConfig();
  const [, up1] = await db.migrate.latest(cfg);
  t.true(up1.length >= 2);
  t.true(await db.schema.hasTable('expedientes'));
  while ((await db.migrate.currentVersion(cfg)) !== 'none') await db.migrate.down(cfg);
  t.false(await db.schema.hasTable('expedientes'));
  t.false(await db.schema.hasTable('historial'));
  const [, up2] = await db.migrate.latest(cfg);
  t.deepEqual(up2, up1);
  t.true(await db.schema.hasTable('historial'));
});

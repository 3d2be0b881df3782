// Knex + objection over PostgreSQL; the schema itself lives only in migrations/.
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

// Return BIGINT ids and counts as numbers: none of ours come near 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
// Keep DATE columns as 'YYYY-MM-DD' strings: a legal day is not an instant.
pg.types.setTypeParser(1082, (v) => v);

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const migrationsDir = join(root, 'migrations');

export function migrationConfig(): Knex.MigratorConfig {
  return { directory: migrationsDir, loadExtensions: ['.ts'], tableName: 'knex_migrations' };
}

export function createDb(url: string, pool = { min: 0, max: 10 }): Knex {
  const db = knexFactory({ client: 'pg', connection: url, pool, migrations: migrationConfig() });
  return db;
}

export async function migrateLatest(db: Knex) {
  const [, applied] = await db.migrate.latest(migrationConfig());
  return applied as string[];
}

export async function databaseReachable(db: Knex) {
  try {
    await db.raw('select 1');
    return true;
  } catch {
    return false;
  }
}

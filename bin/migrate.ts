// `npm run migrate`: brings the schema up to date and, with DEMO=1, seeds the demo institution.
import { loadConfigOrExit } from '../lib/config';
import { createDb, migrateLatest } from '../lib/db';
import { seedDemo } from '../lib/demo';

const config = loadConfigOrExit();
if (!config.databaseUrl) {
  console.error('Falta DATABASE_URL (npm start la define sola; en un despliegue, indíquela).');
  process.exit(78);
}
const db = createDb(config.databaseUrl, { min: 0, max: 2 });
try {
  const applied = await migrateLatest(db);
  console.log(applied.length ? `Migraciones aplicadas: ${applied.join(', ')}` : 'Esquema al día.');
  if (config.demo.enabled) {
    await seedDemo(db, config.demo.password, { secret: config.security.demoTotpSecret, appSecret: config.secret });
    console.log('Datos de demostración listos.');
  }
} finally {
  await db.destroy();
}

// `npm run bench`: the performance figures of issue #4, never part of `npm test`. Like
// scripts/test.mjs it installs what is missing and starts its own Temporal dev server and its own
// PostgreSQL (never the `npm start` data), then runs bench/run.ts and stops what it started.
// `npm run bench` runs every benchmark; `npm run bench -- filing uploads` only those named.
import { join } from 'node:path';
import { log, root, runInherit } from './setup.mjs';
import { startPrivateStack } from './private-stack.mjs';

const ALL = ['filing', 'uploads', 'cargo', 'constancias', 'trays', 'casilla'];
const names = process.argv.slice(2);
const unknown = names.filter((n) => !ALL.includes(n));
if (unknown.length) {
  console.error(`[bench] benchmark desconocido: ${unknown.join(', ')}. Disponibles: ${ALL.join(', ')}.`);
  process.exit(2);
}
const selected = names.length ? names : ALL;
// The rendering benchmarks need only Chromium; the others need the servers too.
const needsServers = selected.some((n) => n === 'filing' || n === 'uploads' || n === 'trays' || n === 'casilla');
const needsBundle = selected.includes('filing') || selected.includes('casilla');

const started = Date.now();
let code = 1;
let stack;
let stopping = false;
async function cleanup() {
  if (stopping) return;
  stopping = true;
  await stack?.stop();
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    void cleanup().then(() => process.exit(130));
  });
}

try {
  stack = await startPrivateStack({ prefix: 'bench', servers: needsServers, bundle: needsBundle });
  log(`servicios listos en ${((Date.now() - started) / 1000).toFixed(1)} s; benchmarks: ${selected.join(', ')}`);
  code = await runInherit(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), '--import', 'tsx', join(root, 'bench', 'run.ts'), ...selected], { ...process.env, ...stack.env });
} catch (err) {
  console.error(`[bench] ${err.stack ?? err}`);
  code = 1;
} finally {
  await cleanup();
}
log(`npm run bench: ${((Date.now() - started) / 1000).toFixed(1)} s en total`);
process.exit(code);

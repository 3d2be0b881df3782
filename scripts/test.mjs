// `npm test`: installs what is missing, starts its own Temporal dev server and its own PostgreSQL
// (never the `npm start` data), type-checks, lints, runs every ava test, and stops what it started.
// Extra arguments go to ava: `npm test -- test/expedientes-api.test.ts`.
import { join } from 'node:path';
import { log, root, runInherit } from './setup.mjs';
import { startPrivateStack } from './private-stack.mjs';

let code = 1;
let stack;
try {
  stack = await startPrivateStack({ prefix: 'test' });
  const env = { ...process.env, ...stack.env };
  log('comprobando tipos (tsc --noEmit)…');
  code = await runInherit(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root], env);
  if (code === 0) {
    log('revisando el código (eslint)…');
    code = await runInherit(process.execPath, [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), root], env);
    if (code !== 0) console.error('[test] ESLint no pasó (detalle arriba): las pruebas no se ejecutan hasta corregirlo; `npm run lint` lo repite.');
  }
  if (code === 0) {
    code = await runInherit(process.execPath, [join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), ...process.argv.slice(2)], env, { ownGroup: true });
  }
} catch (err) {
  console.error(`[test] ${err.stack ?? err}`);
  code = 1;
} finally {
  // Stopping what it started is bounded (each child is killed if it does not stop); this is the
  // last guard, so that a stop that still hangs can never keep CI waiting.
  setTimeout(() => {
    console.error('[test] la detención de la infraestructura de pruebas no terminó en 2 minutos; se sale igual');
    process.exit(code);
  }, 120_000).unref();
  await stack?.stop();
}
process.exit(code);

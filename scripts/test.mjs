// `npm test`: installs what is missing, starts its own Temporal dev server and its own PostgreSQL
// (never the `npm start` data), type-checks, runs every ava test, and stops what it started.
// Extra arguments go to ava: `npm test -- test/expedientes-api.test.ts`.
import { join } from 'node:path';
import { log, root, runInherit, startPrivateStack } from './setup.mjs';

let code = 1;
let stack;
try {
  stack = await startPrivateStack({ prefix: 'test' });
  const env = { ...process.env, ...stack.env };
  log('comprobando tipos (tsc --noEmit)…');
  code = await runInherit(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root], env);
  if (code === 0) code = await runInherit(process.execPath, [join(root, 'node_modules', 'ava', 'entrypoints', 'cli.mjs'), ...process.argv.slice(2)], env);
} catch (err) {
  console.error(`[test] ${err.stack ?? err}`);
  code = 1;
} finally {
  await stack?.stop();
}
process.exit(code);

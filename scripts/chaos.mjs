// `npm run chaos`: the fault and load suite on the production topology (bench/chaos.ts), never
// part of `npm test`. It installs the npm packages if missing; the cluster it starts
// (scripts/cluster.mjs) finds or builds everything else. `npm run chaos -- --soak` for the soak.
import { join } from 'node:path';
import { ensureNodeModules, root, runInherit } from './setup.mjs';

await ensureNodeModules();
const code = await runInherit(process.execPath, ['--import', 'tsx', join(root, 'bench', 'chaos.ts'), ...process.argv.slice(2)], process.env);
process.exit(code);

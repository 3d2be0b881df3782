// Replays saved histories of real cases against today's workflow code: a change that would break
// running expedientes (non-determinism) fails here, before it reaches production.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowsPath } from '../lib/worker';

const dir = fileURLToPath(new URL('./histories', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('there are saved histories to replay', (t) => {
  t.true(files.length > 0);
});

for (const file of files) {
  test(`replays ${file} without non-determinism`, async (t) => {
    const history = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const bundle = process.env.TEST_WORKFLOW_BUNDLE;
    const opts = bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath };
    // Throws DeterminismViolationError (or another replay error) when the code no longer fits.
    await t.notThrowsAsync(Worker.runReplayHistory(opts, history, file));
  });
}

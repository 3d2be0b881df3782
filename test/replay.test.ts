// Replays saved histories of real cases against today's workflow code: a change that would break
// running expedientes (non-determinism) fails here, before it reaches production.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { workflowsPath } from '../lib/worker';

const dir = fileURLToPath(new URL('./histories', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const readHistory = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), 'utf8'));
// An expedienteWorkflow whose first command differs from every saved history's.
const alteredWorkflowsPath = fileURLToPath(new URL('./fixtures/expediente-alterado/index.ts', import.meta.url));
// Serial: replays in one process share the SDK Runtime, which one replay's end can shut down under another's start.
const replay = test.serial;

test('there are saved histories to replay', (t) => {
  t.true(files.length > 0);
});

for (const file of files) {
  replay(`replays ${file} without non-determinism`, async (t) => {
    const bundle = process.env.TEST_WORKFLOW_BUNDLE;
    const opts = bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath };
    // Throws DeterminismViolationError (or another replay error) when the code no longer fits.
    await t.notThrowsAsync(Worker.runReplayHistory(opts, readHistory(file), file));
  });
}

// Without this, a replay that silently passed everything would look the same as a compatible change.
replay('a changed workflow fails replay with DeterminismViolationError', async (t) => {
  const file = files.at(-1);
  if (!file) return t.fail('no saved history');
  await t.throwsAsync(Worker.runReplayHistory({ workflowsPath: alteredWorkflowsPath }, readHistory(file), `${file}-alterado`), {
    instanceOf: DeterminismViolationError,
  });
});

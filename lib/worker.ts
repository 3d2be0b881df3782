// Builds the Temporal worker: used by `npm run worker` and by the tests, so both run the same thing.
// The activities come built (activities/createActivities): infrastructure does not know them.
import { NativeConnection, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The activity functions, from `createActivities(deps)`. */
  activities: object;
  /** A pre-built workflow bundle (tests build one for all files); otherwise built from source. */
  bundlePath?: string;
}) {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.bundlePath ? { workflowBundle: { codePath: opts.bundlePath } } : { workflowsPath }),
    activities: opts.activities,
  });
}

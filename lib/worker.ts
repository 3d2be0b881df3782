// Builds the Temporal worker: used by `npm run worker` and by the tests, so both run the same thing.
// The activities come built (activities/createActivities): infrastructure does not know them.
import { NativeConnection, Worker } from '@temporalio/worker';
import { Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { fileURLToPath } from 'node:url';
import { LIMA_TIME_ZONE } from '../domain/formats';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The Temporal Schedule of the staff's daily digest (workflows/resumen-diario.ts). */
export const RESUMEN_DIARIO_SCHEDULE = 'avisos-resumen-diario';

/**
 * Makes the daily digest's Schedule once per namespace (a second worker finds it made): every day
 * at 00:00 Lima it starts the digest workflow, which itself waits for the opening in force and skips
 * non-business days, so the admin's hours and calendar apply without touching the Schedule.
 */
export async function ensureResumenDiarioSchedule(connection: NativeConnection, namespace: string, taskQueue: string) {
  const client = new Client({ connection, namespace });
  try {
    await client.schedule.create({
      scheduleId: RESUMEN_DIARIO_SCHEDULE,
      spec: { calendars: [{ hour: 0, minute: 0 }], timezone: LIMA_TIME_ZONE },
      action: { type: 'startWorkflow', workflowType: 'resumenDiarioWorkflow', workflowId: RESUMEN_DIARIO_SCHEDULE, taskQueue, args: [{}] },
      // A day missed while Temporal was down still gets its digest when it is back that day.
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '12 hours' },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
}

export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** The activity functions, from `createActivities(deps)`. */
  activities: object;
  /** A pre-built workflow bundle (tests build one for all files); otherwise built from source. */
  bundlePath?: string;
}) {
  await ensureResumenDiarioSchedule(opts.connection, opts.namespace, opts.taskQueue);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.bundlePath ? { workflowBundle: { codePath: opts.bundlePath } } : { workflowsPath }),
    activities: opts.activities,
  });
}

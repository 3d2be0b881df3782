// Starts the delivery workflow of a mail already in the outbox (lib/outbox.ts); Temporal retries
// until SMTP takes it.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Config } from '../lib/config';
import { CORREO_WORKFLOW_TYPE, correoWorkflowId, type CorreoInput } from '../workflows/definitions';

/** Starts delivery; when Temporal is unreachable the sweeper starts it later. */
export async function startMailDelivery(db: Knex, client: Client, config: Config, correoId: number | undefined) {
  if (correoId === undefined) return false;
  const input: CorreoInput = { correoId, maxRetrySeconds: config.mailRetryMaxSeconds };
  try {
    await client.connection.withDeadline(Date.now() + config.starts.waitMs, () =>
      client.workflow.start(CORREO_WORKFLOW_TYPE, {
        taskQueue: config.temporal.taskQueue,
        workflowId: correoWorkflowId(correoId),
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      console.warn(`[web] no se pudo iniciar el envío del correo ${correoId}; se reintentará:`, (err as Error).message);
      return false;
    }
  }
  await db('correos').where({ id: correoId }).whereNull('workflow_iniciado_en').update({ workflow_iniciado_en: db.fn.now() });
  return true;
}

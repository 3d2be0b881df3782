// The outbox side of mail: a mail is rendered and written in the same transaction as the event
// that causes it, then handed to its Temporal workflow, which retries until SMTP takes it.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { renderMail, type MailName } from '../lib/templates';
import type { Config } from '../lib/config';
import { CORREO_WORKFLOW_TYPE, correoWorkflowId, type CorreoInput } from '../workflows/definitions';

export interface QueuedMail {
  evento: string; // unique per event: the same event never mails twice
  to: string;
  template: MailName;
  data: Record<string, unknown>;
  attachments?: { filename: string; contentType: string; storageKey: string }[];
}

/**
 * Writes the mail to the outbox (once per event). Mail queued by a workflow's activity is started
 * by that workflow as a child, so it is marked started at once and the sweeper leaves it alone.
 */
export async function queueMail(trx: Knex, config: Config, mail: QueuedMail, now: Date, startedByWorkflow = false): Promise<number | undefined> {
  const rendered = renderMail(mail.template, {
    institucion: config.institution.name,
    portalUrl: config.http.publicUrl,
    ...mail.data,
  });
  const [row] = await trx('correos')
    .insert({
      evento: mail.evento,
      destinatario: mail.to,
      asunto: rendered.subject,
      texto: rendered.text,
      html: rendered.html,
      adjuntos: JSON.stringify(mail.attachments ?? []),
      creado_en: now,
      workflow_iniciado_en: startedByWorkflow ? now : null,
    })
    .onConflict('evento')
    .ignore()
    .returning('id');
  if (row) return row.id;
  // Already queued by an earlier try of the same event: the same mail, not a second one.
  const existing = await trx('correos').where({ evento: mail.evento }).first('id');
  return startedByWorkflow ? existing?.id : undefined;
}

/** Starts delivery; when Temporal is unreachable the sweeper starts it later. */
export async function startMailDelivery(db: Knex, client: Client, config: Config, correoId: number | undefined) {
  if (correoId === undefined) return false;
  const input: CorreoInput = { correoId, maxRetrySeconds: config.mailRetryMaxSeconds };
  try {
    await client.workflow.start(CORREO_WORKFLOW_TYPE, {
      taskQueue: config.temporal.taskQueue,
      workflowId: correoWorkflowId(correoId),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      console.warn(`[web] no se pudo iniciar el envío del correo ${correoId}; se reintentará:`, (err as Error).message);
      return false;
    }
  }
  await db('correos').where({ id: correoId }).whereNull('workflow_iniciado_en').update({ workflow_iniciado_en: db.fn.now() });
  return true;
}

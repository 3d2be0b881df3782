// The outbox side of mail: a mail is rendered and written in the same transaction as the event
// that causes it, then delivered by its Temporal workflow (workflows/correo.ts).
import type { Knex } from 'knex';
import { renderMail, type MailName } from './templates';
import type { Config } from './config';

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


// Delivers one mail of the outbox. Idempotent: a mail already marked sent is not sent again, and
// the Message-ID is stable per mail, so a retry after a lost acknowledgement is recognisable.
import type { Knex } from 'knex';
import { log } from '@temporalio/activity';
import type { Mailer } from '../lib/mailer';
import type { Storage } from '../lib/storage';

export interface StoredAttachment {
  filename: string;
  contentType: string;
  storageKey: string;
}

export function createMailActivities(db: Knex, mailer: Mailer | undefined, storage: Storage | undefined) {
  return {
    async deliverMail(correoId: number): Promise<void> {
      const row = await db('correos').where({ id: correoId }).first();
      if (!row) throw new Error(`Correo ${correoId} no existe`);
      if (row.enviado_en) return;
      if (!mailer) throw new Error('SMTP_URL no está configurado: el correo espera en la bandeja de salida');
      await db('correos').where({ id: correoId }).increment('intentos', 1);
      const attachments = await Promise.all(
        (row.adjuntos as StoredAttachment[]).map(async (a) => {
          if (!storage) throw new Error('Sin almacenamiento para adjuntos');
          return { filename: a.filename, contentType: a.contentType, content: await storage.read(a.storageKey) };
        }),
      );
      try {
        await mailer.send({
          to: row.destinatario,
          subject: row.asunto,
          text: row.texto,
          html: row.html ?? undefined,
          messageId: `<correo-${row.id}-${row.evento.replace(/[^\w.-]/g, '.')}@mesa-de-partes>`,
          attachments,
        });
      } catch (err) {
        await db('correos').where({ id: correoId }).update({ ultimo_error: String((err as Error).message).slice(0, 500) });
        log.warn('mail delivery failed; will retry', { correoId, error: (err as Error).message });
        throw err;
      }
      await db('correos').where({ id: correoId }).update({ enviado_en: db.fn.now(), ultimo_error: null });
    },
  };
}

// The mail outbox: written with the event that causes it, delivered by its workflow (lib/outbox.ts).
import type { JSONSchema, QueryBuilder } from 'objection';
import { BaseModel, integer, text, textOrNull } from './base';

/** A stored file sent with the mail (lib/outbox.ts QueuedMail.attachments). */
export interface AdjuntoCorreo {
  filename: string;
  contentType: string;
  storageKey: string;
}

export class Correo extends BaseModel {
  static tableName = 'correos';

  declare id: number;
  /** One mail per event, never two. */
  declare evento: string;
  declare destinatario: string;
  declare asunto: string;
  declare texto: string;
  declare html: string | null;
  declare adjuntos: AdjuntoCorreo[];
  declare creado_en: Date;
  declare workflow_iniciado_en: Date | null;
  declare enviado_en: Date | null;
  declare intentos: number;
  declare ultimo_error: string | null;

  static jsonAttributes = ['adjuntos'];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['evento', 'destinatario', 'asunto', 'texto'],
    properties: {
      id: integer,
      evento: text,
      destinatario: text,
      asunto: text,
      texto: text,
      html: textOrNull,
      adjuntos: {
        type: 'array',
        items: { type: 'object', required: ['filename', 'contentType', 'storageKey'], properties: { filename: text, contentType: text, storageKey: text } },
      },
      intentos: integer,
      ultimo_error: textOrNull,
    },
  };

  static modifiers = {
    // The sweeper's look-up, as the partial index correos_sin_workflow has it.
    sinWorkflow: (qb: QueryBuilder<Correo>) => {
      qb.whereNull(`${qb.tableRefFor(Correo)}.workflow_iniciado_en`);
    },
  };
}

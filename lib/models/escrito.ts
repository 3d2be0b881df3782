// A citizen's submission to a case after its filing (a subsanación, an escrito), with its own cargo:
// numbered per case and kind, tied to its step of the seguimiento (migration 20261201000002_escritos).
import type { JSONSchema } from 'objection';
import { TIPOS_ESCRITO, type TipoEscrito } from '../../domain/escritos';
import { BaseModel, day, integer, integerOrNull, oneOf, text, textOrNull } from './base';

export class Escrito extends BaseModel {
  static tableName = 'escritos';

  declare id: number;
  declare expediente_id: number;
  declare tipo: TipoEscrito;
  /** Escrito N.º 1, 2, … of its case (subsanaciones have their own count). */
  declare numero: number;
  /** Its step of the seguimiento: historial.secuencia, whose `documentos` are its files. */
  declare secuencia: number;
  declare asunto: string;
  declare contenido: string | null;
  declare cuenta_id: number | null;
  declare api_token_id: number | null;
  declare presentado_en: Date;
  /** The legal date (Ley 31465), 'YYYY-MM-DD'. */
  declare fecha_presentacion: string;
  /** Fecha de recepción (office clock). */
  declare recibido_en: Date;
  declare codigo_verificacion: string;
  /** Scoped to the case and its filer: `numero:cuenta:token:key`. */
  declare idempotency_key: string | null;
  /** SHA-256 of the cargo PDF in storage, once printed. */
  declare cargo_key: string | null;
  declare correo_id: number | null;
  declare creado_en: Date;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['expediente_id', 'tipo', 'numero', 'secuencia', 'asunto', 'fecha_presentacion', 'codigo_verificacion'],
    properties: {
      id: integer,
      expediente_id: integer,
      tipo: oneOf(TIPOS_ESCRITO),
      numero: integer,
      secuencia: integer,
      asunto: text,
      contenido: textOrNull,
      cuenta_id: integerOrNull,
      api_token_id: integerOrNull,
      fecha_presentacion: day,
      codigo_verificacion: text,
      idempotency_key: textOrNull,
      cargo_key: textOrNull,
      correo_id: integerOrNull,
    },
  };
}

// Fixed-window counters shared by every web process (login, codes, public look-ups).
import type { JSONSchema } from 'objection';
import { BaseModel, integer, text } from './base';

export class Limite extends BaseModel {
  static tableName = 'limites';
  static idColumn = 'clave';

  declare clave: string;
  declare ventana_inicio: Date;
  declare conteo: number;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['clave'],
    properties: { clave: text, conteo: integer },
  };
}

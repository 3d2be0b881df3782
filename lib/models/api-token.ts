// Tokens of other institutions' systems that file through the API (only a hash of each kept).
import type { JSONSchema, QueryBuilder, RelationMappings } from 'objection';
import { BaseModel, integer, integerOrNull, text } from './base';
import { Cuenta } from './cuenta';

export class ApiToken extends BaseModel {
  static tableName = 'api_tokens';

  declare id: number;
  declare nombre: string;
  declare token_hash: string;
  /** The token's first characters, to recognise it in lists. */
  declare prefijo: string;
  declare creado_por: number | null;
  declare creado_en: Date;
  declare revocado_en: Date | null;
  declare ultimo_uso: Date | null;

  declare creadoPor?: Cuenta | null;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['nombre', 'token_hash', 'prefijo'],
    properties: { id: integer, nombre: text, token_hash: text, prefijo: text, creado_por: integerOrNull },
  };

  static relationMappings = (): RelationMappings => ({
    creadoPor: { relation: BaseModel.BelongsToOneRelation, modelClass: Cuenta, join: { from: 'api_tokens.creado_por', to: 'cuentas.id' } },
  });

  static modifiers = {
    vigentes: (qb: QueryBuilder<ApiToken>) => {
      qb.whereNull(`${qb.tableRefFor(ApiToken)}.revocado_en`);
    },
  };
}

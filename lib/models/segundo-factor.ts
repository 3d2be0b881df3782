// Two-step verification (TOTP): an account's factor, its recovery codes and pending login
// challenges. Reached from the account (Cuenta's relations), so they carry none back.
import type { JSONSchema } from 'objection';
import { BaseModel, integer, integerOrNull, text } from './base';

export class SegundoFactor extends BaseModel {
  static tableName = 'segundos_factores';
  static idColumn = 'cuenta_id';

  declare cuenta_id: number;
  /** Sealed with APP_SECRET (lib/secrets.ts seal), never in clear. */
  declare secreto_cifrado: string;
  declare creado_en: Date;
  /** Null while pending: a first code confirms it. */
  declare confirmado_en: Date | null;
  /** The last TOTP time step accepted: a code is good once. */
  declare ultimo_paso: number | null;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['cuenta_id', 'secreto_cifrado'],
    properties: { cuenta_id: integer, secreto_cifrado: text, ultimo_paso: integerOrNull },
  };
}

export class CodigoRecuperacion extends BaseModel {
  static tableName = 'codigos_recuperacion';

  declare id: number;
  declare cuenta_id: number;
  declare codigo_hash: string;
  declare usado_en: Date | null;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['cuenta_id', 'codigo_hash'],
    properties: { id: integer, cuenta_id: integer, codigo_hash: text },
  };
}

export class DesafioSegundoFactor extends BaseModel {
  static tableName = 'desafios_segundo_factor';
  static idColumn = 'id_hash';

  declare id_hash: string;
  declare cuenta_id: number;
  declare creado_en: Date;
  declare expira_en: Date;
  declare intentos: number;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['id_hash', 'cuenta_id'],
    properties: { id_hash: text, cuenta_id: integer, intentos: integer },
  };
}

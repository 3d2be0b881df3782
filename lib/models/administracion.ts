// Settings the admin changes at run time, and the audit trail of every administrative change.
import type { JSONSchema, RelationMappings } from 'objection';
import { ACCION_AUDITADA_LABEL, ENTIDAD_LABEL, type AccionAuditada, type EntidadAuditada } from '../audit';
import { BaseModel, integer, integerOrNull, oneOf, text } from './base';
import { Cuenta } from './cuenta';


/** One group of settings ('horario', 'limites'); a missing row means lib/config.ts applies. */
export class Ajuste extends BaseModel {
  static tableName = 'ajustes';
  static idColumn = 'clave';

  declare clave: string;
  /** The group's values, as lib/settings.ts reads them. */
  declare valor: Record<string, unknown>;
  declare actualizado_por: number | null;
  declare actualizado_en: Date;

  declare actualizadoPor?: Cuenta | null;

  static jsonAttributes = ['valor'];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['clave', 'valor'],
    properties: { clave: text, valor: { type: 'object' }, actualizado_por: integerOrNull },
  };

  static relationMappings = (): RelationMappings => ({
    actualizadoPor: { relation: BaseModel.BelongsToOneRelation, modelClass: Cuenta, join: { from: 'ajustes.actualizado_por', to: 'cuentas.id' } },
  });
}

/** Append-only: who changed what, when, and the values before and after (lib/audit.ts). */
export class Auditoria extends BaseModel {
  static tableName = 'auditoria';

  declare id: number;
  /** Null only for changes made by the system itself. */
  declare cuenta_id: number | null;
  declare entidad: EntidadAuditada;
  /** The changed row's key (office code, date, account id…). */
  declare clave: string;
  declare accion: AccionAuditada;
  declare antes: Record<string, unknown> | null;
  declare despues: Record<string, unknown> | null;
  declare en: Date;

  declare cuenta?: Cuenta | null;

  static jsonAttributes = ['antes', 'despues'];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['entidad', 'clave', 'accion'],
    properties: {
      id: integer,
      cuenta_id: integerOrNull,
      entidad: oneOf(Object.keys(ENTIDAD_LABEL)),
      clave: text,
      accion: oneOf(Object.keys(ACCION_AUDITADA_LABEL)),
      antes: { type: ['object', 'null'] },
      despues: { type: ['object', 'null'] },
    },
  };

  static relationMappings = (): RelationMappings => ({
    cuenta: { relation: BaseModel.BelongsToOneRelation, modelClass: Cuenta, join: { from: 'auditoria.cuenta_id', to: 'cuentas.id' } },
  });
}

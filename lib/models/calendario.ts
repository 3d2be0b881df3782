// The calendar an admin keeps: non-working days, and the notices that tell running cases of a change.
import type { JSONSchema, QueryBuilder, RelationMappings } from 'objection';
import { BaseModel, day, integer, integerOrNull, text } from './base';
import { Cuenta } from './cuenta';

export class DiaNoLaborable extends BaseModel {
  static tableName = 'dias_no_laborables';
  static idColumn = 'fecha';

  declare fecha: string;
  declare descripcion: string;
  declare creado_por: number | null;
  declare creado_en: Date;

  declare creadoPor?: Cuenta | null;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['fecha', 'descripcion'],
    properties: { fecha: day, descripcion: text, creado_por: integerOrNull },
  };

  static relationMappings = (): RelationMappings => ({
    creadoPor: { relation: BaseModel.BelongsToOneRelation, modelClass: Cuenta, join: { from: 'dias_no_laborables.creado_por', to: 'cuentas.id' } },
  });
}

export class AvisoCalendario extends BaseModel {
  static tableName = 'avisos_calendario';

  declare id: number;
  /** Cases whose plazo ends on or after this day are told. */
  declare fecha: string;
  declare creado_en: Date;
  declare avisado_en: Date | null;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['fecha'],
    properties: { id: integer, fecha: day },
  };

  static modifiers = {
    // As the partial index avisos_calendario_pendientes has it.
    pendientes: (qb: QueryBuilder<AvisoCalendario>) => {
      qb.whereNull(`${qb.tableRefFor(AvisoCalendario)}.avisado_en`);
    },
  };
}

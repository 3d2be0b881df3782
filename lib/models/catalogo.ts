// The catalogues: unidades orgánicas (offices, with their hierarchy) and document types.
import type { JSONSchema, QueryBuilder, RelationMappings } from 'objection';
import { BaseModel, boolean, integerOrNull, text, textOrNull } from './base';

export class Unidad extends BaseModel {
  static tableName = 'unidades';
  static idColumn = 'codigo';

  declare codigo: string;
  declare nombre: string;
  declare padre_codigo: string | null;
  declare es_mesa_partes: boolean;
  declare activa: boolean;
  declare created_at: Date;
  declare updated_at: Date;

  declare padre?: Unidad | null;
  declare dependencias?: Unidad[];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['codigo', 'nombre'],
    properties: { codigo: text, nombre: text, padre_codigo: textOrNull, es_mesa_partes: boolean, activa: boolean },
  };

  static relationMappings = (): RelationMappings => ({
    padre: { relation: BaseModel.BelongsToOneRelation, modelClass: Unidad, join: { from: 'unidades.padre_codigo', to: 'unidades.codigo' } },
    dependencias: { relation: BaseModel.HasManyRelation, modelClass: Unidad, join: { from: 'unidades.codigo', to: 'unidades.padre_codigo' } },
  });

  static modifiers = {
    activas: (qb: QueryBuilder<Unidad>) => {
      qb.where(`${qb.tableRefFor(Unidad)}.activa`, true);
    },
  };
}

export class TipoDocumento extends BaseModel {
  static tableName = 'tipos_documento';
  static idColumn = 'codigo';

  declare codigo: string;
  declare nombre: string;
  /** Null: the installation's default plazo de atención applies. */
  declare plazo_atencion_dias: number | null;
  declare activo: boolean;
  declare created_at: Date;
  declare updated_at: Date;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['codigo', 'nombre'],
    properties: { codigo: text, nombre: text, plazo_atencion_dias: integerOrNull, activo: boolean },
  };

  static modifiers = {
    activos: (qb: QueryBuilder<TipoDocumento>) => {
      qb.where(`${qb.tableRefFor(TipoDocumento)}.activo`, true);
    },
  };
}

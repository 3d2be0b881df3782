// The files of a case: what the filer and staff uploaded, each stored once by its SHA-256.
import type { JSONSchema, QueryBuilder, RelationMappings } from 'objection';
import { BaseModel, boolean, integer, integerOrNull, oneOf, text } from './base';
import { Cuenta } from './cuenta';

export const ROLES_DOCUMENTO = ['PRINCIPAL', 'ANEXO', 'SUBSANACION', 'RESPUESTA', 'NOTIFICACION', 'CARGO', 'ESCRITO'] as const;
export type RolDocumento = (typeof ROLES_DOCUMENTO)[number];

export class Documento extends BaseModel {
  static tableName = 'documentos';

  declare id: number;
  declare expediente_id: number;
  declare rol: RolDocumento;
  declare nombre: string;
  /** Also the storage key. */
  declare sha256: string;
  declare bytes: number;
  declare mime: string;
  declare paginas: number | null;
  declare subido_por: number | null;
  declare subido_en: Date;
  /** False once an `actualizar` replaced it: kept for the audit trail, not shown. */
  declare vigente: boolean;

  declare subidoPor?: Cuenta | null;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['expediente_id', 'rol', 'nombre', 'sha256', 'bytes', 'mime'],
    properties: {
      id: integer,
      expediente_id: integer,
      rol: oneOf(ROLES_DOCUMENTO),
      nombre: text,
      sha256: text,
      bytes: integer,
      mime: text,
      paginas: integerOrNull,
      subido_por: integerOrNull,
      vigente: boolean,
    },
  };

  static relationMappings = (): RelationMappings => ({
    subidoPor: { relation: BaseModel.BelongsToOneRelation, modelClass: Cuenta, join: { from: 'documentos.subido_por', to: 'cuentas.id' } },
  });

  static modifiers = {
    vigentes: (qb: QueryBuilder<Documento>) => {
      qb.where(`${qb.tableRefFor(Documento)}.vigente`, true);
    },
  };
}

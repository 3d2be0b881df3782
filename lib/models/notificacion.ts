// The casilla electrónica (Ley 31736): notifications deposited in a citizen's casilla, with their files.
import type { JSONSchema, QueryBuilder, RelationMappings } from 'objection';
import { BaseModel, dayOrNull, integer, integerOrNull, oneOf, text, textOrNull } from './base';
import { Correo } from './correo';
import { Cuenta } from './cuenta';
import { Documento } from './documento';

export const TIPOS_NOTIFICACION = ['OBSERVACION', 'ATENCION', 'ARCHIVO', 'NOTIFICACION'] as const;
export type TipoNotificacion = (typeof TIPOS_NOTIFICACION)[number];

export class Notificacion extends BaseModel {
  static tableName = 'notificaciones';

  declare id: number;
  declare expediente_id: number;
  /** The addressee: the case's filer. */
  declare cuenta_id: number;
  /** Unique per workflow event: a retried deposit finds the row it wrote. */
  declare evento: string;
  declare tipo: TipoNotificacion;
  declare asunto: string;
  /** The issuing office (code). */
  declare unidad: string | null;
  /** The issuing office's name when it was issued. */
  declare dependencia: string;
  declare emisor: string;
  declare documento_tipo: string;
  declare documento_numero: string;
  declare detalle: string | null;
  declare emitido_en: Date;
  declare depositada_en: Date;
  declare plazo_descripcion: string | null;
  declare plazo_inicio: string | null;
  declare vence: Date | null;
  /** The acuse de lectura: set once, on the addressee's first opening. */
  declare leida_en: Date | null;
  declare codigo_verificacion: string;
  declare constancia_sha256: string | null;
  declare constancia_emitida_en: Date | null;
  declare correo_id: number | null;

  declare destinatario?: Cuenta;
  declare correo?: Correo | null;
  /** In order (principal first), each with its `orden`. */
  declare documentos?: (Documento & { orden: number })[];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['expediente_id', 'cuenta_id', 'evento', 'tipo', 'asunto', 'dependencia', 'emisor', 'documento_tipo', 'documento_numero', 'codigo_verificacion'],
    properties: {
      id: integer,
      expediente_id: integer,
      cuenta_id: integer,
      evento: text,
      tipo: oneOf(TIPOS_NOTIFICACION),
      asunto: text,
      unidad: textOrNull,
      dependencia: text,
      emisor: text,
      documento_tipo: text,
      documento_numero: text,
      detalle: textOrNull,
      plazo_descripcion: textOrNull,
      plazo_inicio: dayOrNull,
      codigo_verificacion: text,
      constancia_sha256: textOrNull,
      correo_id: integerOrNull,
    },
  };

  static relationMappings = (): RelationMappings => ({
    destinatario: { relation: BaseModel.BelongsToOneRelation, modelClass: Cuenta, join: { from: 'notificaciones.cuenta_id', to: 'cuentas.id' } },
    correo: { relation: BaseModel.BelongsToOneRelation, modelClass: Correo, join: { from: 'notificaciones.correo_id', to: 'correos.id' } },
    documentos: {
      relation: BaseModel.ManyToManyRelation,
      modelClass: Documento,
      join: {
        from: 'notificaciones.id',
        through: { from: 'notificacion_documentos.notificacion_id', to: 'notificacion_documentos.documento_id', extra: ['orden'] },
        to: 'documentos.id',
      },
      modify: (qb: QueryBuilder<Documento>) => {
        qb.orderBy('orden');
      },
    },
  });

  static modifiers = {
    /** The addressee's casilla (index notificaciones (cuenta_id, id)). */
    paraCuenta: (qb: QueryBuilder<Notificacion>, cuentaId: number) => {
      qb.where(`${qb.tableRefFor(Notificacion)}.cuenta_id`, cuentaId);
    },
    /** "Pendientes por leer" and the header badge (partial index notificaciones_no_leidas). */
    noLeidas: (qb: QueryBuilder<Notificacion>) => {
      qb.whereNull(`${qb.tableRefFor(Notificacion)}.leida_en`);
    },
    leidas: (qb: QueryBuilder<Notificacion>) => {
      qb.whereNotNull(`${qb.tableRefFor(Notificacion)}.leida_en`);
    },
  };
}

/** A file a notification carries, in its place (0: the principal). */
export class NotificacionDocumento extends BaseModel {
  static tableName = 'notificacion_documentos';
  static idColumn = ['notificacion_id', 'documento_id'];

  declare notificacion_id: number;
  declare documento_id: number;
  declare orden: number;

  declare notificacion?: Notificacion;
  declare documento?: Documento;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['notificacion_id', 'documento_id', 'orden'],
    properties: { notificacion_id: integer, documento_id: integer, orden: integer },
  };

  static relationMappings = (): RelationMappings => ({
    notificacion: { relation: BaseModel.BelongsToOneRelation, modelClass: Notificacion, join: { from: 'notificacion_documentos.notificacion_id', to: 'notificaciones.id' } },
    documento: { relation: BaseModel.BelongsToOneRelation, modelClass: Documento, join: { from: 'notificacion_documentos.documento_id', to: 'documentos.id' } },
  });
}

// The expediente and what belongs to it: its numbering, its historial (seguimiento) and the
// verification codes of its cargo and constancias; its files and notifications are in documento.ts
// and notificacion.ts (relations point from the expediente to them, never back: no import cycles).
import type { JSONSchema, QueryBuilder, RelationMappings } from 'objection';
import { ESTADOS, OPEN_STATES, type Estado } from '../../domain/lifecycle';
import { scopeOf, type Viewer } from '../../domain/visibility';
import type { DocRef } from '../../workflows/definitions';
import { BaseModel, boolean, dayOrNull, integer, integerOrNull, oneOf, oneOfOrNull, text, textOrNull } from './base';
import { ApiToken } from './api-token';
import { Cuenta } from './cuenta';
import { Documento } from './documento';
import { Notificacion } from './notificacion';

/** The last number handed out each year (locked inside the filing transaction: no gaps). */
export class ExpedienteCounter extends BaseModel {
  static tableName = 'expediente_counters';
  static idColumn = 'anio';

  declare anio: number;
  declare ultimo: number;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['anio', 'ultimo'],
    properties: { anio: integer, ultimo: integer },
  };
}

// Tray predicates are SQL constants written as the partial indexes of migration
// 20261123000001_bandejas_indices have them, so the planner matches them; `??` is the table or alias.
const ACTIVOS = `??.estado in (${OPEN_STATES.map((e) => `'${e}'`).join(', ')})`;
const tray = (sql: string) => (qb: QueryBuilder<Expediente>) => {
  const t = qb.tableRefFor(Expediente);
  qb.whereRaw(`(${sql})`, Array.from(sql.matchAll(/\?\?/g), () => t));
};

export class Expediente extends BaseModel {
  static tableName = 'expedientes';

  declare id: number;
  /** 00123-2026 */
  declare numero: string;
  declare anio: number;
  declare correlativo: number;
  declare workflow_id: string;
  declare estado: Estado;
  declare tipo_documento: string;
  declare asunto: string;
  declare remitente: string;
  /** The office it is in now; null while in mesa de partes. */
  declare unidad: string | null;
  /** Scoped to its filer: `cuenta:token:key`. */
  declare idempotency_key: string | null;
  declare presentado_en: Date;
  declare workflow_iniciado_en: Date | null;
  declare ultima_secuencia: number;
  declare vence_en: Date | null;
  declare vencido: boolean;
  declare created_at: Date;
  /** The last action's instant (the trays' "sin acción"); no hook touches it. */
  declare updated_at: Date;
  /** The citizen who filed it; null when a system did. */
  declare cuenta_id: number | null;
  /** The system that filed it; null when a citizen did. */
  declare api_token_id: number | null;
  /** The filer's own document number, or S/N. */
  declare numero_documento: string | null;
  declare contenido: string | null;
  /** An earlier expediente's number. */
  declare antecedente: string | null;
  /** The office the filer addressed. */
  declare destino: string | null;
  declare folios: number | null;
  /** The legal date (Ley 31465), 'YYYY-MM-DD'. */
  declare fecha_presentacion: string | null;
  /** Fecha de recepción (office clock): the entity's plazos run from here. */
  declare recibido_en: Date | null;
  /** The current office took it. */
  declare recibido: boolean;
  declare clave_hash: string | null;
  /** The tracking password in clear until the cargo that prints it exists. */
  declare clave_pendiente: string | null;
  declare codigo_verificacion: string | null;
  /** SHA-256 of the cargo PDF in storage. */
  declare cargo_key: string | null;
  /** An escrito the office holding the case has not opened yet (the trays' «escrito nuevo»). */
  declare escrito_nuevo_en: Date | null;

  declare cuenta?: Cuenta | null;
  declare apiToken?: ApiToken | null;
  declare historial?: Historial[];
  declare documentos?: Documento[];
  declare notificaciones?: Notificacion[];
  declare verificaciones?: Verificacion[];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['numero', 'anio', 'correlativo', 'workflow_id', 'estado', 'tipo_documento', 'asunto', 'remitente'],
    properties: {
      id: integer,
      numero: text,
      anio: integer,
      correlativo: integer,
      workflow_id: text,
      estado: oneOf(ESTADOS),
      tipo_documento: text,
      asunto: text,
      remitente: text,
      unidad: textOrNull,
      idempotency_key: textOrNull,
      ultima_secuencia: integer,
      vencido: boolean,
      cuenta_id: integerOrNull,
      api_token_id: integerOrNull,
      numero_documento: textOrNull,
      contenido: textOrNull,
      antecedente: textOrNull,
      destino: textOrNull,
      folios: integerOrNull,
      fecha_presentacion: dayOrNull,
      recibido: boolean,
      clave_hash: textOrNull,
      clave_pendiente: textOrNull,
      codigo_verificacion: textOrNull,
      cargo_key: textOrNull,
    },
  };

  static relationMappings = (): RelationMappings => ({
    cuenta: { relation: BaseModel.BelongsToOneRelation, modelClass: Cuenta, join: { from: 'expedientes.cuenta_id', to: 'cuentas.id' } },
    apiToken: { relation: BaseModel.BelongsToOneRelation, modelClass: ApiToken, join: { from: 'expedientes.api_token_id', to: 'api_tokens.id' } },
    historial: {
      relation: BaseModel.HasManyRelation,
      modelClass: Historial,
      join: { from: 'expedientes.id', to: 'historial.expediente_id' },
      modify: (qb: QueryBuilder<Historial>) => {
        qb.orderBy('secuencia');
      },
    },
    documentos: { relation: BaseModel.HasManyRelation, modelClass: Documento, join: { from: 'expedientes.id', to: 'documentos.expediente_id' } },
    notificaciones: { relation: BaseModel.HasManyRelation, modelClass: Notificacion, join: { from: 'expedientes.id', to: 'notificaciones.expediente_id' } },
    verificaciones: { relation: BaseModel.HasManyRelation, modelClass: Verificacion, join: { from: 'expedientes.id', to: 'verificaciones.expediente_id' } },
  });

  static modifiers = {
    /**
     * The cases `viewer` may see: domain/visibility.ts `maySee` as SQL, scope by scope (its header
     * lays the two side by side); test/visibility.test.ts checks that they agree.
     */
    visibleTo(qb: QueryBuilder<Expediente>, viewer: Viewer) {
      const t = qb.tableRefFor(Expediente);
      const s = scopeOf(viewer);
      switch (s.kind) {
        case 'all':
          return;
        case 'filer':
          qb.where(`${t}.cuenta_id`, s.cuentaId);
          return;
        case 'filingSystem':
          qb.where(`${t}.api_token_id`, s.apiTokenId);
          return;
        case 'office':
          // historial_unidad (unidad, expediente_id) answers the subquery.
          qb.where((w) => {
            w.where(`${t}.unidad`, s.unidad).orWhereIn(`${t}.id`, Historial.query().select('historial.expediente_id').where('historial.unidad', s.unidad));
          });
          return;
        case 'none':
          qb.whereRaw('false');
          return;
        default: {
          const unknown: never = s;
          throw new Error(`Alcance desconocido: ${JSON.stringify(unknown)}`);
        }
      }
    },
    /** Cases in the office now: an office's trays (narrower than what it may see). */
    enUnidad: (qb: QueryBuilder<Expediente>, unidad: string) => {
      qb.where(`${qb.tableRefFor(Expediente)}.unidad`, unidad);
    },
    /** Cases still in reception: mesa de partes' own observations. */
    enMesaDePartes: (qb: QueryBuilder<Expediente>) => {
      qb.whereNull(`${qb.tableRefFor(Expediente)}.unidad`);
    },
    enTramite: tray(ACTIVOS),
    porValidar: tray("??.estado = 'PENDIENTE_VALIDACION'"),
    observados: tray("??.estado = 'OBSERVADO'"),
    porRecibir: tray("??.estado = 'DERIVADO' and not ??.recibido"),
    enProceso: tray("??.estado = 'DERIVADO' and ??.recibido"),
    atendidos: tray("??.estado = 'ATENDIDO'"),
    vencidos: tray(`??.vencido and ${ACTIVOS}`),
    /** Filings whose workflow has not started (the sweeper; partial index expedientes_sin_workflow). */
    sinWorkflow: (qb: QueryBuilder<Expediente>) => {
      qb.whereNull(`${qb.tableRefFor(Expediente)}.workflow_iniciado_en`);
    },
  };
}

/** One transition of the seguimiento, keyed by the workflow's own sequence number. */
export class Historial extends BaseModel {
  static tableName = 'historial';

  declare id: number;
  declare expediente_id: number;
  declare secuencia: number;
  /** PRESENTAR, DERIVAR, RECIBIR… as the workflow names it. */
  declare accion: string;
  declare estado_anterior: Estado | null;
  declare estado_nuevo: Estado;
  declare actor: string;
  /** The office the case is in after this transition: the offices it passed through. */
  declare unidad: string | null;
  declare nota: string | null;
  declare documentos: DocRef[];
  declare ocurrido_en: Date;

  declare expediente?: Expediente;

  static jsonAttributes = ['documentos'];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['expediente_id', 'secuencia', 'accion', 'estado_nuevo', 'actor'],
    properties: {
      id: integer,
      expediente_id: integer,
      secuencia: integer,
      accion: text,
      estado_anterior: oneOfOrNull(ESTADOS),
      estado_nuevo: oneOf(ESTADOS),
      actor: text,
      unidad: textOrNull,
      nota: textOrNull,
      documentos: {
        type: 'array',
        items: { type: 'object', required: ['id', 'nombre', 'sha256'], properties: { id: integer, nombre: text, sha256: text } },
      },
    },
  };

  static relationMappings = (): RelationMappings => ({
    expediente: { relation: BaseModel.BelongsToOneRelation, modelClass: Expediente, join: { from: 'historial.expediente_id', to: 'expedientes.id' } },
  });
}

/** What a verification code certifies: a cargo or a constancia, with the SHA-256 of its PDF. */
export class Verificacion extends BaseModel {
  static tableName = 'verificaciones';
  static idColumn = 'codigo';

  declare codigo: string;
  declare tipo: 'CARGO' | 'CONSTANCIA';
  declare expediente_id: number;
  declare sha256: string | null;
  declare emitido_en: Date;
  /** What the verification page shows: the document's name and, for a constancia, the notification. */
  declare detalle: Record<string, unknown>;

  declare expediente?: Expediente;

  static jsonAttributes = ['detalle'];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['codigo', 'tipo', 'expediente_id'],
    properties: { codigo: text, tipo: oneOf(['CARGO', 'CONSTANCIA']), expediente_id: integer, sha256: textOrNull, detalle: { type: 'object' } },
  };

  static relationMappings = (): RelationMappings => ({
    expediente: { relation: BaseModel.BelongsToOneRelation, modelClass: Expediente, join: { from: 'verificaciones.expediente_id', to: 'expedientes.id' } },
  });
}

// Accounts (citizens and staff) and what hangs off one: consents, e-mail codes, password links,
// sessions, and the second factor (segundo-factor.ts).
import type { JSONSchema, QueryBuilder, RelationMappings } from 'objection';
import { ROLES_CUENTA, type RolCuenta } from '../../domain/principal';
import { PREFERENCIAS_AVISOS, type PreferenciaAvisos } from '../../domain/avisos';
import { BaseModel, boolean, dayOrNull, integer, oneOf, text, textOrNull } from './base';
import { Unidad } from './catalogo';
import { CodigoRecuperacion, DesafioSegundoFactor, SegundoFactor } from './segundo-factor';

// The roles are the domain's (domain/principal.ts); re-exported for lib/models/index.ts.
export { ROLES_CUENTA, type RolCuenta };

/** Who uses a persona jurídica's account (services/cuentas/registro.ts). */
export interface Representante {
  tipoDocumento: string;
  numeroDocumento: string;
  nombres: string;
  apellidoPaterno: string;
  apellidoMaterno: string;
  telefono?: string;
}

const belongsToCuenta = (from: string): RelationMappings[string] => ({
  relation: BaseModel.BelongsToOneRelation,
  modelClass: Cuenta,
  join: { from, to: 'cuentas.id' },
});

export class Cuenta extends BaseModel {
  static tableName = 'cuentas';

  declare id: number;
  declare rol: RolCuenta;
  declare tipo_persona: 'NATURAL' | 'JURIDICA';
  /** DNI | CE | PTP | RUC; null for staff. */
  declare tipo_documento: string | null;
  declare numero_documento: string | null;
  /** Normalised: trimmed, lower-case. */
  declare email: string;
  declare email_verificado_en: Date | null;
  declare password_hash: string | null;
  declare nombres: string | null;
  declare apellido_paterno: string | null;
  declare apellido_materno: string | null;
  declare fecha_nacimiento: string | null;
  declare telefono: string | null;
  declare direccion: string | null;
  declare razon_social: string | null;
  declare domicilio_fiscal: string | null;
  declare representante: Representante | null;
  declare unidad_codigo: string | null;
  /** How staff are told that work arrived (domain/avisos.ts); citizens keep the default. */
  declare avisos: PreferenciaAvisos;
  declare activo: boolean;
  declare created_at: Date;
  declare updated_at: Date;

  declare unidad?: Unidad | null;
  declare consentimientos?: Consentimiento[];
  declare codigosVerificacion?: CodigoVerificacion[];
  declare enlacesClave?: EnlaceClave[];
  declare sesiones?: Sesion[];
  declare segundoFactor?: SegundoFactor | null;
  declare codigosRecuperacion?: CodigoRecuperacion[];
  declare desafiosSegundoFactor?: DesafioSegundoFactor[];

  static jsonAttributes = ['representante'];

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['rol', 'tipo_persona', 'email'],
    properties: {
      id: integer,
      rol: oneOf(ROLES_CUENTA),
      tipo_persona: oneOf(['NATURAL', 'JURIDICA']),
      tipo_documento: textOrNull,
      numero_documento: textOrNull,
      email: text,
      password_hash: textOrNull,
      nombres: textOrNull,
      apellido_paterno: textOrNull,
      apellido_materno: textOrNull,
      fecha_nacimiento: dayOrNull,
      telefono: textOrNull,
      direccion: textOrNull,
      razon_social: textOrNull,
      domicilio_fiscal: textOrNull,
      representante: { type: ['object', 'null'] },
      unidad_codigo: textOrNull,
      avisos: oneOf(PREFERENCIAS_AVISOS),
      activo: boolean,
    },
  };

  static relationMappings = (): RelationMappings => ({
    unidad: { relation: BaseModel.BelongsToOneRelation, modelClass: Unidad, join: { from: 'cuentas.unidad_codigo', to: 'unidades.codigo' } },
    consentimientos: { relation: BaseModel.HasManyRelation, modelClass: Consentimiento, join: { from: 'cuentas.id', to: 'consentimientos.cuenta_id' } },
    codigosVerificacion: { relation: BaseModel.HasManyRelation, modelClass: CodigoVerificacion, join: { from: 'cuentas.id', to: 'codigos_verificacion.cuenta_id' } },
    enlacesClave: { relation: BaseModel.HasManyRelation, modelClass: EnlaceClave, join: { from: 'cuentas.id', to: 'enlaces_clave.cuenta_id' } },
    sesiones: { relation: BaseModel.HasManyRelation, modelClass: Sesion, join: { from: 'cuentas.id', to: 'sesiones.cuenta_id' } },
    segundoFactor: { relation: BaseModel.HasOneRelation, modelClass: SegundoFactor, join: { from: 'cuentas.id', to: 'segundos_factores.cuenta_id' } },
    codigosRecuperacion: { relation: BaseModel.HasManyRelation, modelClass: CodigoRecuperacion, join: { from: 'cuentas.id', to: 'codigos_recuperacion.cuenta_id' } },
    desafiosSegundoFactor: { relation: BaseModel.HasManyRelation, modelClass: DesafioSegundoFactor, join: { from: 'cuentas.id', to: 'desafios_segundo_factor.cuenta_id' } },
  });

  static modifiers = {
    activas: (qb: QueryBuilder<Cuenta>) => {
      qb.where(`${qb.tableRefFor(Cuenta)}.activo`, true);
    },
  };
}

/** Ley 31736: each acceptance kept with its version and instant. */
export class Consentimiento extends BaseModel {
  static tableName = 'consentimientos';

  declare id: number;
  declare cuenta_id: number;
  declare tipo: 'TERMINOS' | 'PRIVACIDAD' | 'CASILLA';
  declare version: string;
  declare aceptado_en: Date;
  declare ip: string | null;

  declare cuenta?: Cuenta;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['cuenta_id', 'tipo', 'version'],
    properties: { id: integer, cuenta_id: integer, tipo: oneOf(['TERMINOS', 'PRIVACIDAD', 'CASILLA']), version: text, ip: textOrNull },
  };

  static relationMappings = (): RelationMappings => ({ cuenta: belongsToCuenta('consentimientos.cuenta_id') });
}

/** The code mailed to verify an address (only its HMAC kept). */
export class CodigoVerificacion extends BaseModel {
  static tableName = 'codigos_verificacion';

  declare id: number;
  declare cuenta_id: number;
  declare codigo_hash: string;
  declare intentos: number;
  declare creado_en: Date;
  declare expira_en: Date;
  declare usado_en: Date | null;

  declare cuenta?: Cuenta;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['cuenta_id', 'codigo_hash'],
    properties: { id: integer, cuenta_id: integer, codigo_hash: text, intentos: integer },
  };

  static relationMappings = (): RelationMappings => ({ cuenta: belongsToCuenta('codigos_verificacion.cuenta_id') });
}

/** A password-reset or set-password link (only a hash of its token kept). */
export class EnlaceClave extends BaseModel {
  static tableName = 'enlaces_clave';

  declare id: number;
  declare cuenta_id: number;
  declare token_hash: string;
  declare creado_en: Date;
  declare expira_en: Date;
  declare usado_en: Date | null;

  declare cuenta?: Cuenta;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['cuenta_id', 'token_hash'],
    properties: { id: integer, cuenta_id: integer, token_hash: text },
  };

  static relationMappings = (): RelationMappings => ({ cuenta: belongsToCuenta('enlaces_clave.cuenta_id') });
}

/** A server-side session: the cookie holds a random token, the row only its hash. */
export class Sesion extends BaseModel {
  static tableName = 'sesiones';
  static idColumn = 'id_hash';

  declare id_hash: string;
  declare cuenta_id: number;
  declare csrf_token: string;
  declare creada_en: Date;
  declare ultima_actividad: Date;
  declare expira_en: Date;
  declare ip: string | null;
  declare user_agent: string | null;

  declare cuenta?: Cuenta;

  static jsonSchema: JSONSchema = {
    type: 'object',
    required: ['id_hash', 'cuenta_id', 'csrf_token'],
    properties: { id_hash: text, cuenta_id: integer, csrf_token: text, ip: textOrNull, user_agent: textOrNull },
  };

  static relationMappings = (): RelationMappings => ({ cuenta: belongsToCuenta('sesiones.cuenta_id') });
}

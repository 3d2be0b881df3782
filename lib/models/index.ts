// Objection models of every table (the schema itself lives only in migrations/).
//
// Usage, for services and activities (never workflows/: the sandbox does no I/O):
//   - Always name the database: `Expediente.query(db)`, `Cuenta.query(trx)`. No model is bound to
//     one (tests run several databases in one process): `Expediente.query()` throws.
//   - Columns keep their database names (snake_case) and types as pg returns them: timestamptz →
//     Date, date → 'YYYY-MM-DD', bigint → number, jsonb → the value (write objects, not JSON text).
//   - jsonSchema is checked on insert and patch (objection's ValidationError: map it to a 400).
//   - Who may see an expediente: `maySee(viewer, facts)` (domain/visibility.ts) for one case,
//     `.modify('visibleTo', viewer)` for lists; the same rule, checked to agree by
//     test/visibility.test.ts. A staff tray adds its own filter on top (`porRecibir`, `enUnidad`…).
//       Expediente.query(db).modify('visibleTo', principal).findOne({ numero })   // null → 404
//       Expediente.query(db).alias('e').modify('visibleTo', p).modify('porRecibir').modify('enUnidad', p.unidad)
//   - Relations point from an aggregate's root to its parts (withGraphFetched('[historial, documentos]')).
export { BaseModel } from './base';
export { Unidad, TipoDocumento } from './catalogo';
export { Cuenta, Consentimiento, CodigoVerificacion, EnlaceClave, Sesion, ROLES_CUENTA, type RolCuenta, type Representante } from './cuenta';
export { SegundoFactor, CodigoRecuperacion, DesafioSegundoFactor } from './segundo-factor';
export { ApiToken } from './api-token';
export { Correo, type AdjuntoCorreo } from './correo';
export { Limite } from './limite';
export { DiaNoLaborable, AvisoCalendario } from './calendario';
export { Ajuste, Auditoria } from './administracion';
export { Documento, ROLES_DOCUMENTO, type RolDocumento } from './documento';
export { Notificacion, NotificacionDocumento, TIPOS_NOTIFICACION, type TipoNotificacion } from './notificacion';
export { Expediente, ExpedienteCounter, Historial, Verificacion } from './expediente';
export { Escrito } from './escrito';

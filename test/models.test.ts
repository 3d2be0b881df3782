// The objection models against a migrated database: each takes the rows the app writes today
// (the shapes of services/expedientes/registro.ts, activities/projection.ts, activities/casilla.ts, services/cuentas/,
// lib/audit.ts…) and reads them back with pg's types; its relations load; its jsonSchema refuses a
// bad row with objection's ValidationError before anything reaches the database.
import anyTest, { type TestFn } from 'ava';
import type { Knex } from 'knex';
import { ValidationError, type PartialModelObject } from 'objection';
import type { Estado } from '../domain/lifecycle';
import { createTestDb, uid } from './helpers/stack';
import {
  Ajuste,
  ApiToken,
  Auditoria,
  AvisoCalendario,
  CodigoRecuperacion,
  CodigoVerificacion,
  Consentimiento,
  Correo,
  Cuenta,
  DesafioSegundoFactor,
  DiaNoLaborable,
  Documento,
  EnlaceClave,
  Expediente,
  ExpedienteCounter,
  Historial,
  Limite,
  Notificacion,
  NotificacionDocumento,
  SegundoFactor,
  Sesion,
  TipoDocumento,
  Unidad,
  Verificacion,
} from '../lib/models';

interface Ctx {
  db: Knex;
  drop: () => Promise<void>;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  t.context = await createTestDb({ seed: false });
  const { db } = t.context;
  // The offices and document types every test below refers to (lib/demo.ts, services/admin/ shapes).
  const now = new Date();
  await Unidad.query(db).insert({ codigo: 'MP', nombre: 'Mesa de Partes', padre_codigo: null, es_mesa_partes: true });
  await Unidad.query(db).insert({ codigo: 'GG', nombre: 'Gerencia General', padre_codigo: null, es_mesa_partes: false });
  await Unidad.query(db).insert({ codigo: 'OAJ', nombre: 'Oficina de Asesoría Jurídica', padre_codigo: 'GG', created_at: now, updated_at: now });
  await TipoDocumento.query(db).insert({ codigo: 'SOLICITUD', nombre: 'Solicitud' });
  await TipoDocumento.query(db).insert({ codigo: 'OFICIO', nombre: 'Oficio', plazo_atencion_dias: 15, created_at: now, updated_at: now });
});
test.after.always((t) => t.context.drop?.());

const ciudadano = (db: Knex, now = new Date()) =>
  // services/cuentas/registro.ts register(), persona natural.
  Cuenta.query(db).insert({
    rol: 'ciudadano',
    tipo_persona: 'NATURAL',
    tipo_documento: 'DNI',
    numero_documento: String(40_000_000 + Math.floor(Math.random() * 9_999_999)),
    nombres: 'Rosa',
    apellido_paterno: 'Quispe',
    apellido_materno: 'Mamani',
    fecha_nacimiento: '1990-05-14',
    telefono: '987654321',
    direccion: null,
    email: `rosa-${uid()}@demo.pe`,
    password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
    created_at: now,
    updated_at: now,
  });

test('a query names its database: no model is bound to one', (t) => {
  t.throws(() => Expediente.query().toKnexQuery(), { message: /knex/i });
});

test('catalogues: offices with their hierarchy, document types, and the active ones', async (t) => {
  const { db } = t.context;
  const gg = await Unidad.query(db).findById('GG').withGraphFetched('[padre, dependencias]');
  t.is(gg!.padre, null);
  t.deepEqual(gg!.dependencias!.map((u) => u.codigo), ['OAJ']);
  t.true(gg!.activa);
  t.true(gg!.created_at instanceof Date);
  const oaj = await Unidad.query(db).findById('OAJ').withGraphFetched('padre');
  t.is(oaj!.padre!.nombre, 'Gerencia General');
  t.is((await Unidad.query(db).findById('MP'))!.es_mesa_partes, true);

  await Unidad.query(db).insert({ codigo: 'CERR', nombre: 'Oficina cerrada', activa: false });
  t.false((await Unidad.query(db).modify('activas')).some((u) => u.codigo === 'CERR'));
  const oficio = await TipoDocumento.query(db).findById('OFICIO');
  t.is(oficio!.plazo_atencion_dias, 15);
  t.is((await TipoDocumento.query(db).findById('SOLICITUD'))!.plazo_atencion_dias, null);
  t.true((await TipoDocumento.query(db).modify('activos')).length >= 2);
});

test('an account with its consents, code, password link, session and second factor', async (t) => {
  const { db } = t.context;
  const now = new Date();
  const c = await ciudadano(db, now);
  t.is(typeof c.id, 'number');
  // register(): the three consents and the e-mail code, in one transaction.
  await db.transaction(async (trx) => {
    await Consentimiento.query(trx).insert(['TERMINOS', 'PRIVACIDAD', 'CASILLA'].map((tipo) => ({ cuenta_id: c.id, tipo: tipo as Consentimiento['tipo'], version: '2026-11', aceptado_en: now, ip: '203.0.113.7' })));
    await CodigoVerificacion.query(trx).insert({ cuenta_id: c.id, codigo_hash: 'hmac-' + uid(), creado_en: now, expira_en: new Date(now.getTime() + 24 * 3_600_000) });
  });
  await EnlaceClave.query(db).insert({ cuenta_id: c.id, token_hash: 'sha-' + uid(), creado_en: now, expira_en: new Date(now.getTime() + 3 * 86_400_000) });
  // http/auth/session.ts createSession().
  await Sesion.query(db).insert({
    id_hash: 'sesion-' + uid(), cuenta_id: c.id, csrf_token: uid(), creada_en: now, ultima_actividad: now,
    expira_en: new Date(now.getTime() + 12 * 3_600_000), ip: '203.0.113.7', user_agent: 'Mozilla/5.0 (X11; Linux x86_64)'.slice(0, 300),
  });
  // api/segundo-factor.ts: enrolment, recovery codes, a login challenge.
  await SegundoFactor.query(db).insert({ cuenta_id: c.id, secreto_cifrado: 'v1.sealed.' + uid(), creado_en: now });
  await SegundoFactor.query(db).findById(c.id).patch({ confirmado_en: now, ultimo_paso: Math.floor(now.getTime() / 30_000) });
  await CodigoRecuperacion.query(db).insert([1, 2, 3].map(() => ({ cuenta_id: c.id, codigo_hash: 'sha-' + uid() })));
  await DesafioSegundoFactor.query(db).insert({ id_hash: 'desafio-' + uid(), cuenta_id: c.id, creado_en: now, expira_en: new Date(now.getTime() + 5 * 60_000) });

  const back = await Cuenta.query(db)
    .findById(c.id)
    .withGraphFetched('[unidad, consentimientos, codigosVerificacion, enlacesClave, sesiones, segundoFactor, codigosRecuperacion, desafiosSegundoFactor]');
  t.truthy(back);
  const a = back!;
  t.is(a.rol, 'ciudadano');
  t.is(a.fecha_nacimiento, '1990-05-14', 'a DATE is a legal day, not an instant');
  t.true(a.created_at instanceof Date);
  t.is(a.email_verificado_en, null);
  t.is(a.representante, null);
  t.is(a.unidad, null);
  t.true(a.activo);
  t.deepEqual(a.consentimientos!.map((x) => x.tipo).sort(), ['CASILLA', 'PRIVACIDAD', 'TERMINOS']);
  t.true(a.consentimientos![0].aceptado_en instanceof Date);
  t.is(a.codigosVerificacion![0].intentos, 0);
  t.is(a.codigosVerificacion![0].usado_en, null);
  t.is(a.enlacesClave!.length, 1);
  t.is(a.sesiones![0].ip, '203.0.113.7');
  t.true(a.sesiones![0].expira_en > now);
  t.is(a.segundoFactor!.ultimo_paso, Math.floor(now.getTime() / 30_000), 'BIGINT reads back as a number');
  t.true(a.segundoFactor!.confirmado_en instanceof Date);
  t.is(a.codigosRecuperacion!.length, 3);
  t.is(a.desafiosSegundoFactor![0].intentos, 0);
  const sesion = await Sesion.query(db).where({ cuenta_id: c.id }).first().withGraphFetched('cuenta');
  t.is(sesion!.cuenta!.email, c.email);

  // register(), persona jurídica: the representante is a jsonb object.
  const juridica = await Cuenta.query(db).insert({
    rol: 'ciudadano', tipo_persona: 'JURIDICA', tipo_documento: 'RUC', numero_documento: '20' + String(Date.now()).slice(-9), razon_social: 'Constructora Andina S.A.C.',
    domicilio_fiscal: 'Av. Arequipa 1234, Lima', telefono: '014567890', email: `andina-${uid()}@demo.pe`, password_hash: 'x', created_at: now, updated_at: now,
    representante: { tipoDocumento: 'DNI', numeroDocumento: '40000003', nombres: 'Luis', apellidoPaterno: 'Rojas', apellidoMaterno: 'Vega', telefono: '987000111' },
  });
  t.deepEqual((await Cuenta.query(db).findById(juridica.id))!.representante, { tipoDocumento: 'DNI', numeroDocumento: '40000003', nombres: 'Luis', apellidoPaterno: 'Rojas', apellidoMaterno: 'Vega', telefono: '987000111' });
  // createStaff(): an office clerk, verified by the admin, password set through the mailed link.
  const staff = await Cuenta.query(db).insert({
    rol: 'unidad', tipo_persona: 'NATURAL', email: `jorge-${uid()}@demo.gob.pe`, email_verificado_en: now, nombres: 'Jorge', apellido_paterno: 'Vílchez',
    apellido_materno: null, unidad_codigo: 'OAJ', created_at: now, updated_at: now,
  });
  t.is((await Cuenta.query(db).findById(staff.id).withGraphFetched('unidad'))!.unidad!.nombre, 'Oficina de Asesoría Jurídica');
  t.true((await Cuenta.query(db).modify('activas')).some((x) => x.id === staff.id));
});

test('an expediente with its historial, documents, cargo, notification and mail', async (t) => {
  const { db } = t.context;
  const now = new Date();
  const filer = await ciudadano(db, now);
  await ExpedienteCounter.query(db).insert({ anio: 2026, ultimo: 1 });
  t.is((await ExpedienteCounter.query(db).findById(2026))!.ultimo, 1);

  // services/expedientes/registro.ts: the filing row, plus the number, correlativo and workflow id it computes.
  const e = await Expediente.query(db).insert({
    numero: '00001-2026', anio: 2026, correlativo: 1, workflow_id: 'expediente-2026-00001',
    estado: 'PENDIENTE_VALIDACION', tipo_documento: 'SOLICITUD', numero_documento: 'S/N', asunto: 'Solicito copia certificada de resolución',
    contenido: '', antecedente: null, destino: 'OAJ', folios: 3, remitente: 'Rosa Quispe Mamani', unidad: null,
    idempotency_key: `${filer.id}::clave-${uid()}`, cuenta_id: filer.id, api_token_id: null, presentado_en: now, fecha_presentacion: '2026-12-01',
    recibido_en: now, clave_hash: 'hmac-' + uid(), clave_pendiente: 'AB12CD34', codigo_verificacion: 'ABCD-EFGH-' + uid().slice(0, 4).toUpperCase(),
  });
  // documentRow(): the principal and an anexo.
  const [principal, anexo] = await Documento.query(db).insert([
    { expediente_id: e.id, rol: 'PRINCIPAL', nombre: 'solicitud.pdf', sha256: 'a'.repeat(64), bytes: 254_301, mime: 'application/pdf', paginas: 2, subido_por: filer.id, subido_en: now },
    { expediente_id: e.id, rol: 'ANEXO', nombre: 'dni.jpg', sha256: 'b'.repeat(64), bytes: 88_004, mime: 'image/jpeg', paginas: null, subido_por: filer.id, subido_en: now },
  ]);
  // activities/projection.ts recordTransition(): the history row, then its documents as recorded.
  const h = await Historial.query(db).insert({
    expediente_id: e.id, secuencia: 1, accion: 'PRESENTAR', estado_anterior: null, estado_nuevo: 'PENDIENTE_VALIDACION', actor: 'sistema', unidad: null, nota: null,
    documentos: [], ocurrido_en: now,
  });
  await Historial.query(db).insert({
    expediente_id: e.id, secuencia: 2, accion: 'DERIVAR', estado_anterior: 'PENDIENTE_VALIDACION', estado_nuevo: 'DERIVADO', actor: 'mesa@demo.gob.pe', unidad: 'OAJ',
    nota: 'Para su atención', documentos: [{ id: anexo.id, nombre: anexo.nombre, sha256: anexo.sha256 }], ocurrido_en: now,
  });
  await Expediente.query(db).findById(e.id).where('ultima_secuencia', '<', 2).patch({ estado: 'DERIVADO', unidad: 'OAJ', recibido: false, ultima_secuencia: 2, updated_at: db.fn.now() });
  // activities/expediente.ts: the cargo's verification.
  await Verificacion.query(db).insert({ codigo: e.codigo_verificacion!, tipo: 'CARGO', expediente_id: e.id, sha256: 'c'.repeat(64), emitido_en: now, detalle: { documento: 'Cargo de recepción', numero: e.numero } });
  await Expediente.query(db).findById(e.id).patch({ cargo_key: 'c'.repeat(64), clave_pendiente: null, workflow_iniciado_en: now });

  // lib/outbox.ts queueMail() and activities/casilla.ts depositNotification(), with its files.
  const correo = await Correo.query(db).insert({
    evento: `notificacion:${e.numero}:${uid()}`, destinatario: filer.email, asunto: 'Nueva notificación en su casilla', texto: 'Tiene una notificación.', html: '<p>Tiene una notificación.</p>',
    adjuntos: [{ filename: 'constancia.pdf', contentType: 'application/pdf', storageKey: 'd'.repeat(64) }], creado_en: now, workflow_iniciado_en: now,
  });
  const n = await Notificacion.query(db).insert({
    expediente_id: e.id, cuenta_id: filer.id, evento: `observar:${e.numero}:3`, tipo: 'OBSERVACION', asunto: `Observaciones a su expediente ${e.numero}`,
    unidad: 'MP', dependencia: 'Mesa de Partes', emisor: 'Marta Salazar Ríos', documento_tipo: 'Notificación de observaciones', documento_numero: '00001-2026-MP/MDEMO',
    detalle: null, emitido_en: new Date('2026-12-01T15:00:00.000Z'), depositada_en: now, plazo_descripcion: 'Plazo para subsanar', plazo_inicio: '2026-12-02',
    vence: new Date('2026-12-04T04:59:59.999Z'), codigo_verificacion: 'WXYZ-2345-' + uid().slice(0, 4).toUpperCase(), correo_id: correo.id,
  });
  await NotificacionDocumento.query(db).insert([
    { notificacion_id: n.id, documento_id: anexo.id, orden: 1 },
    { notificacion_id: n.id, documento_id: principal.id, orden: 0 },
  ]);

  const back = await Expediente.query(db).findById(e.id).withGraphFetched('[cuenta, apiToken, historial, documentos, notificaciones.[documentos, correo, destinatario], verificaciones]');
  t.truthy(back);
  const x = back!;
  t.is(x.estado, 'DERIVADO');
  t.is(x.unidad, 'OAJ');
  t.is(x.fecha_presentacion, '2026-12-01');
  t.true(x.presentado_en instanceof Date);
  t.is(x.presentado_en.getTime(), now.getTime());
  t.true(x.workflow_iniciado_en instanceof Date);
  t.is(x.vence_en, null);
  t.false(x.vencido);
  t.is(x.folios, 3);
  t.is(x.cuenta!.id, filer.id);
  t.is(x.apiToken, null);
  t.deepEqual(x.historial!.map((r) => [r.secuencia, r.accion, r.unidad]), [[1, 'PRESENTAR', null], [2, 'DERIVAR', 'OAJ']]);
  t.deepEqual(x.historial![0].documentos, []);
  t.deepEqual(x.historial![1].documentos, [{ id: anexo.id, nombre: 'dni.jpg', sha256: 'b'.repeat(64) }]);
  t.true(x.historial![0].ocurrido_en instanceof Date);
  t.deepEqual(x.documentos!.map((d) => [d.rol, d.bytes, d.vigente]).sort(), [['ANEXO', 88_004, true], ['PRINCIPAL', 254_301, true]]);
  t.deepEqual(x.verificaciones![0].detalle, { documento: 'Cargo de recepción', numero: '00001-2026' });
  const notif = x.notificaciones![0];
  t.is(notif.plazo_inicio, '2026-12-02');
  t.true(notif.vence instanceof Date);
  t.is(notif.leida_en, null);
  t.deepEqual(notif.documentos!.map((d) => [d.orden, d.nombre]), [[0, 'solicitud.pdf'], [1, 'dni.jpg']], 'principal first');
  t.deepEqual(notif.correo!.adjuntos, [{ filename: 'constancia.pdf', contentType: 'application/pdf', storageKey: 'd'.repeat(64) }]);
  t.is(notif.destinatario!.id, filer.id);
  t.is((await Historial.query(db).findById(h.id).withGraphFetched('expediente'))!.expediente!.numero, '00001-2026');
  t.is((await Verificacion.query(db).findById(e.codigo_verificacion!).withGraphFetched('expediente'))!.expediente!.id, e.id);
  t.is((await NotificacionDocumento.query(db).findById([n.id, principal.id]).withGraphFetched('[notificacion, documento]'))!.documento!.rol, 'PRINCIPAL');

  // The casilla's filters: unread, then read once opened (the acuse de lectura).
  const noLeidas = () => Notificacion.query(db).modify('paraCuenta', filer.id).modify('noLeidas').resultSize();
  t.is(await noLeidas(), 1);
  await Notificacion.query(db).findById(n.id).whereNull('leida_en').patch({ leida_en: now });
  t.is(await noLeidas(), 0);
  t.is(await Notificacion.query(db).modify('paraCuenta', filer.id).modify('leidas').resultSize(), 1);
  // An actualizar retires a document: kept, not shown.
  await Documento.query(db).findById(anexo.id).patch({ vigente: false });
  t.deepEqual((await Documento.query(db).where({ expediente_id: e.id }).modify('vigentes')).map((d) => d.id), [principal.id]);
  t.deepEqual((await Correo.query(db).modify('sinWorkflow')).map((c) => c.id), []);
});

test('tray modifiers select the cases of each tray', async (t) => {
  const { db } = t.context;
  const now = new Date();
  const tag = `Bandeja ${uid()}`;
  const cases: [string, PartialModelObject<Expediente>][] = [
    ['porValidar', { estado: 'PENDIENTE_VALIDACION' }],
    ['observados', { estado: 'OBSERVADO' }],
    ['porRecibir', { estado: 'DERIVADO', unidad: 'OAJ', recibido: false }],
    ['enProceso', { estado: 'DERIVADO', unidad: 'OAJ', recibido: true, vencido: true }],
    ['atendidos', { estado: 'ATENDIDO', unidad: 'OAJ' }],
    ['archivado', { estado: 'ARCHIVADO', unidad: 'GG', vencido: true }],
  ];
  const byId = new Map<number, string>();
  for (const [i, [name, cols]] of cases.entries()) {
    const correlativo = 100 + i;
    const e = await Expediente.query(db).insert({
      numero: `${correlativo}-2027`, anio: 2027, correlativo, workflow_id: `expediente-2027-${correlativo}`, estado: 'PENDIENTE_VALIDACION', tipo_documento: 'OFICIO',
      asunto: `${tag} ${name}`, remitente: 'Municipalidad de Demo', presentado_en: now, recibido_en: now, ...cols,
    });
    byId.set(e.id, name);
  }
  const pick = async (...modifiers: string[]) => {
    const q = Expediente.query(db).alias('e').where('e.asunto', 'like', `${tag}%`);
    for (const m of modifiers) q.modify(m);
    return (await q.select('e.id')).map((r) => byId.get(r.id)).sort();
  };
  t.deepEqual(await pick('porValidar'), ['porValidar']);
  t.deepEqual(await pick('observados'), ['observados']);
  t.deepEqual(await pick('porRecibir'), ['porRecibir']);
  t.deepEqual(await pick('enProceso'), ['enProceso']);
  t.deepEqual(await pick('atendidos'), ['atendidos']);
  t.deepEqual(await pick('vencidos'), ['enProceso'], 'a finished case is not overdue');
  t.deepEqual(await pick('enTramite'), ['enProceso', 'observados', 'porRecibir', 'porValidar']);
  t.deepEqual(await pick('enMesaDePartes'), ['observados', 'porValidar']);
  t.deepEqual(await pick('sinWorkflow'), ['archivado', 'atendidos', 'enProceso', 'observados', 'porRecibir', 'porValidar']);
});

test('tokens, limits, calendar, settings and the audit trail', async (t) => {
  const { db } = t.context;
  const now = new Date();
  const admin = await Cuenta.query(db).insert({ rol: 'admin', tipo_persona: 'NATURAL', email: `admin-${uid()}@demo.gob.pe`, nombres: 'Luis', created_at: now, updated_at: now });
  // services/cuentas/api-tokens.ts createApiToken(), then the audit row lib/audit.ts recordAudit() writes with it.
  const token = await ApiToken.query(db).insert({ nombre: 'Sistema de trámite de la UGEL', token_hash: 'sha-' + uid(), prefijo: 'mpv_abc123', creado_por: admin.id, creado_en: now });
  await Auditoria.query(db).insert({ cuenta_id: admin.id, entidad: 'api_token', clave: String(token.id), accion: 'CREAR', antes: null, despues: { nombre: token.nombre, prefijo: token.prefijo }, en: db.fn.now() });
  t.true((await ApiToken.query(db).modify('vigentes')).some((x) => x.id === token.id));
  await ApiToken.query(db).findById(token.id).patch({ revocado_en: now });
  t.false((await ApiToken.query(db).modify('vigentes')).some((x) => x.id === token.id));
  t.is((await ApiToken.query(db).findById(token.id).withGraphFetched('creadoPor'))!.creadoPor!.id, admin.id);

  // services/throttle.ts hit().
  await Limite.query(db).insert({ clave: `consulta-ip:203.0.113.7:${uid()}`, ventana_inicio: now, conteo: 1 });
  const limite = await Limite.query(db).orderBy('clave').first();
  t.is(limite!.conteo, 1);
  t.true(limite!.ventana_inicio instanceof Date);

  // services/admin/calendario.ts: a non-working day and its notice to the running cases.
  await DiaNoLaborable.query(db).insert({ fecha: '2026-12-24', descripcion: 'Día no laborable compensable', creado_por: admin.id, creado_en: now });
  const aviso = await AvisoCalendario.query(db).insert({ fecha: '2026-12-24', creado_en: now });
  const dia = await DiaNoLaborable.query(db).findById('2026-12-24').withGraphFetched('creadoPor');
  t.is(dia!.fecha, '2026-12-24');
  t.is(dia!.creadoPor!.id, admin.id);
  t.deepEqual((await AvisoCalendario.query(db).modify('pendientes')).map((a) => a.fecha), ['2026-12-24']);
  await AvisoCalendario.query(db).findById(aviso.id).patch({ avisado_en: now });
  t.is(await AvisoCalendario.query(db).modify('pendientes').resultSize(), 0);

  // lib/settings.ts writeSetting().
  const horario = { inicio: '08:30', fin: '16:30' };
  await Ajuste.query(db).insert({ clave: 'horario', valor: horario, actualizado_por: admin.id, actualizado_en: now });
  t.deepEqual((await Ajuste.query(db).findById('horario').withGraphFetched('actualizadoPor'))!.valor, horario);
  const audit = await Auditoria.query(db).where({ entidad: 'api_token' }).first().withGraphFetched('cuenta');
  t.deepEqual(audit!.despues, { nombre: 'Sistema de trámite de la UGEL', prefijo: 'mpv_abc123' });
  t.is(audit!.antes, null);
  t.true(audit!.en instanceof Date);
  t.is(audit!.cuenta!.id, admin.id);
});

test('jsonSchema refuses a bad row with a ValidationError, and nothing is written', async (t) => {
  const { db } = t.context;
  const now = new Date();
  const sinAsunto = await t.throwsAsync(
    Expediente.query(db).insert({ numero: '09999-2026', anio: 2026, correlativo: 9999, workflow_id: 'expediente-2026-09999', estado: 'PENDIENTE_VALIDACION', tipo_documento: 'SOLICITUD', remitente: 'X', presentado_en: now }),
    { instanceOf: ValidationError },
  );
  t.truthy(sinAsunto?.data?.asunto, 'the error names the missing column');
  await t.throwsAsync(
    Expediente.query(db).insert({ numero: '09998-2026', anio: 2026, correlativo: 9998, workflow_id: 'expediente-2026-09998', estado: 'EN_EL_LIMBO' as unknown as Estado, tipo_documento: 'SOLICITUD', asunto: 'x', remitente: 'X', presentado_en: now }),
    { instanceOf: ValidationError },
  );
  await t.throwsAsync(Expediente.query(db).where('id', 0).patch({ fecha_presentacion: '1/12/2026' }), { instanceOf: ValidationError });
  t.is(await Expediente.query(db).whereIn('numero', ['09999-2026', '09998-2026']).resultSize(), 0);

  await t.throwsAsync(Cuenta.query(db).insert({ rol: 'root' as unknown as 'admin', tipo_persona: 'NATURAL', email: `x-${uid()}@demo.pe` }), { instanceOf: ValidationError });
  await t.throwsAsync(Documento.query(db).insert({ expediente_id: 1, rol: 'PRINCIPAL', nombre: 'a.pdf', sha256: 'e'.repeat(64), bytes: 'mucho' as unknown as number, mime: 'application/pdf' }), {
    instanceOf: ValidationError,
  });
  await t.throwsAsync(Historial.query(db).insert({ expediente_id: 1, secuencia: 1, accion: 'PRESENTAR', estado_nuevo: 'PENDIENTE_VALIDACION', actor: 'sistema', documentos: '[]' as unknown as [] }), {
    instanceOf: ValidationError,
  });
});

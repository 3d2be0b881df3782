// The administration API on the real stack: only admins get in; offices with their hierarchy (no
// cycles), document types with their plazo, business hours that the calendar uses at once, upload
// limits with bounds, staff roles; and every change leaves one audit row with who, before and after.
import { sharedStack, type Stack } from './helpers/shared';
import { postJson, uid } from './helpers/stack';
import { fileMultipart, loginAs } from './helpers/http';
import { effectiveLimits } from '../lib/settings';
import type { Ajustes } from '../services/admin/ajustes';
import type { TipoDocumento } from '../services/admin/tipos';
import type { Unidad } from '../services/admin/unidades';

/** What these tests read of the JSON answers they check. */
interface Opcion {
  codigo: string;
  nombre: string;
}
interface Auditoria {
  registros: { accion: string; en: string; cuenta: { email: string } | null; antes: Record<string, unknown> | null; despues: Record<string, unknown> | null }[];
  siguiente: number | null;
}

const test = sharedStack(
  { admin: 'admin@demo.gob.pe', ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' },
  async (stack) => ({ adminId: ((await stack.db('cuentas').where({ email: 'admin@demo.gob.pe' }).first('id')) as { id: number }).id }),
);

/** A short unique office / type code. */
const code = (prefix: string) => `${prefix}${uid().slice(0, 6).toUpperCase()}`;

/** The audit rows of one record, oldest first. */
const auditOf = (stack: Stack, entidad: string, clave: string) => stack.db('auditoria').where({ entidad, clave }).orderBy('id');

async function catalogos(base: string) {
  return (await (await fetch(`${base}/api/v1/catalogos`)).json()) as { destinos: Opcion[]; tiposDocumento: Opcion[] };
}

test('only an admin may use the administration API: 401 anonymous, 403 other roles', async (t) => {
  const { stack, ciudadano, mesa, supervisor, admin } = t.context;
  const calls: [string, string, unknown?][] = [
    ['GET', '/api/v1/admin/unidades'],
    ['POST', '/api/v1/admin/unidades', { codigo: 'X1', nombre: 'Unidad X' }],
    ['PATCH', '/api/v1/admin/unidades/OAJ', { nombre: 'Otra' }],
    ['GET', '/api/v1/admin/tipos-documento'],
    ['POST', '/api/v1/admin/tipos-documento', { codigo: 'X1', nombre: 'Tipo X' }],
    ['PATCH', '/api/v1/admin/tipos-documento/CARTA', { activo: false }],
    ['GET', '/api/v1/admin/ajustes'],
    ['PUT', '/api/v1/admin/ajustes/horario', { inicio: '07:00', fin: '15:00' }],
    ['PUT', '/api/v1/admin/ajustes/limites', { principalMB: 1, primerAnexoMB: 1, anexoMB: 1, anexos: 0 }],
    ['GET', '/api/v1/admin/auditoria'],
    ['POST', '/api/v1/admin/dias-no-laborables', { fecha: '2031-01-02', descripcion: 'No' }],
    ['PATCH', '/api/v1/admin/cuentas/1', { rol: 'admin' }],
  ];
  for (const [method, path, body] of calls) {
    const anon = await fetch(`${stack.base}${path}`, { method, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    t.is(anon.status, 401, `${method} ${path} anonymous`);
    for (const c of [ciudadano, mesa, supervisor]) {
      const res = await c.json(method, path, body);
      t.is(res.status, 403, `${method} ${path}`);
      t.is(res.body.error.message, 'No tiene permiso para realizar esta acción.');
    }
  }
  // A refused request changes nothing.
  const others = stack.db('cuentas').whereIn('email', ['ciudadano@demo.pe', 'mesa@demo.gob.pe', 'supervisor@demo.gob.pe']).select('id');
  t.deepEqual(await stack.db('auditoria').whereIn('cuenta_id', others), []);
  t.falsy(await stack.db('unidades').where({ codigo: 'X1' }).first());
  t.falsy(await stack.db('tipos_documento').where({ codigo: 'X1' }).first());
  t.is((await stack.db('unidades').where({ codigo: 'OAJ' }).first()).nombre, 'Oficina de Asesoría Jurídica');
  t.true((await stack.db('tipos_documento').where({ codigo: 'CARTA' }).first()).activo);
  t.is((await admin.get('/api/v1/admin/unidades')).status, 200);
});

test('offices: create under a parent, refuse cycles (422), edit; every change audited with before and after', async (t) => {
  const { stack, admin, adminId } = t.context;
  const oti = code('OTI');
  const created = await admin.post('/api/v1/admin/unidades', { codigo: oti.toLowerCase(), nombre: 'Oficina de Tecnologías de la Información', padre: 'GG' });
  t.is(created.status, 201);
  t.deepEqual(created.body, { codigo: oti, nombre: 'Oficina de Tecnologías de la Información', padre: 'GG', activa: true, esMesaPartes: false });
  const list = (await (await admin.get('/api/v1/admin/unidades')).json()) as { unidades: Unidad[] };
  t.true(list.unidades.some((u) => u.codigo === oti && u.padre === 'GG'));

  const dup = await admin.post('/api/v1/admin/unidades', { codigo: oti, nombre: 'Otra vez la misma' });
  t.is(dup.status, 409);
  t.is(dup.body.error.campo, 'codigo');
  const badCode = await admin.post('/api/v1/admin/unidades', { codigo: 'con espacio', nombre: 'Unidad mal codificada' });
  t.is(badCode.status, 400);
  t.regex(badCode.body.error.message, /El código debe tener de 1 a 20 caracteres/);
  const noParent = await admin.post('/api/v1/admin/unidades', { codigo: code('U'), nombre: 'Huérfana', padre: 'NOEXISTE' });
  t.is(noParent.status, 422);
  t.is(noParent.body.error.campo, 'padre');

  // GG → OA → RRHH in the demo data; a child under it makes RRHH → child.
  const sub = code('SUB');
  t.is((await admin.post('/api/v1/admin/unidades', { codigo: sub, nombre: 'Subunidad de prueba', padre: oti })).status, 201);
  for (const [unidad, padre] of [[oti, oti], [oti, sub], ['GG', 'RRHH']]) {
    const cycle = await admin.json('PATCH', `/api/v1/admin/unidades/${unidad}`, { padre });
    t.is(cycle.status, 422, `${unidad} under ${padre}`);
    t.is(cycle.body.error.message, 'Una unidad no puede depender de sí misma ni de una unidad que depende de ella.');
  }
  t.is((await stack.db('unidades').where({ codigo: 'GG' }).first()).padre_codigo, null);

  const moved = await admin.json('PATCH', `/api/v1/admin/unidades/${oti}`, { nombre: 'Oficina de Tecnología', padre: 'OA' });
  t.is(moved.status, 200);
  t.deepEqual([moved.body.nombre, moved.body.padre], ['Oficina de Tecnología', 'OA']);
  const unchanged = await admin.json('PATCH', `/api/v1/admin/unidades/${oti}`, { nombre: 'Oficina de Tecnología' });
  t.is(unchanged.status, 200);
  t.is((await admin.json('PATCH', '/api/v1/admin/unidades/NOEXISTE', { nombre: 'Nada' })).status, 404);

  const rows = await auditOf(stack, 'unidad', oti);
  t.deepEqual(
    rows.map((r) => [r.accion, r.cuenta_id, r.antes, r.despues]),
    [
      ['CREAR', adminId, null, { nombre: 'Oficina de Tecnologías de la Información', padre: 'GG', activa: true }],
      ['EDITAR', adminId, { nombre: 'Oficina de Tecnologías de la Información', padre: 'GG', activa: true }, { nombre: 'Oficina de Tecnología', padre: 'OA', activa: true }],
    ],
    'one row per change; a refused or empty change writes none',
  );
  t.true(rows[1].en instanceof Date);
});

test('deactivating an office removes it from the filing lists and keeps its cases readable', async (t) => {
  const { stack, admin, ciudadano } = t.context;
  const u = code('OF');
  t.is((await admin.post('/api/v1/admin/unidades', { codigo: u, nombre: 'Oficina temporal', padre: 'GG' })).status, 201);
  t.true((await catalogos(stack.base)).destinos.some((d) => d.codigo === u));
  const filed = await fileMultipart(stack.base, ciudadano, { asunto: 'Para una oficina que cerrará', destino: u });
  t.is(filed.status, 201);

  const hija = code('HI');
  t.is((await admin.post('/api/v1/admin/unidades', { codigo: hija, nombre: 'Dependencia de la oficina temporal', padre: u })).status, 201);
  const withChild = await admin.json('PATCH', `/api/v1/admin/unidades/${u}`, { activa: false });
  t.is(withChild.status, 409);
  t.regex(withChild.body.error.message, new RegExp(`Primero desactive o mueva las unidades que dependen de ella: ${hija}`));
  t.is((await admin.json('PATCH', `/api/v1/admin/unidades/${hija}`, { activa: false })).status, 200);
  const off = await admin.json('PATCH', `/api/v1/admin/unidades/${u}`, { activa: false });
  t.is(off.status, 200);
  t.false(off.body.activa);

  t.false((await catalogos(stack.base)).destinos.some((d) => d.codigo === u));
  const refused = await fileMultipart(stack.base, ciudadano, { destino: u });
  t.is(refused.status, 400);
  const detail = (await (await ciudadano.get(`/api/v1/expedientes/${filed.body.numero}`)).json()) as { destino: string; destinoNombre: string; tipoDocumentoNombre: string };
  t.deepEqual([detail.destino, detail.destinoNombre], [u, 'Oficina temporal']);

  t.is((await admin.json('PATCH', '/api/v1/admin/unidades/MP', { activa: false })).status, 409);
  const reactivateChild = await admin.json('PATCH', `/api/v1/admin/unidades/${hija}`, { activa: true });
  t.is(reactivateChild.status, 409);
  t.is(reactivateChild.body.error.message, `Primero active la unidad superior ${u}.`);
  const rows = await auditOf(stack, 'unidad', u);
  t.deepEqual(rows.map((r) => r.accion), ['CREAR', 'DESACTIVAR']);
  t.deepEqual([rows[1].antes.activa, rows[1].despues.activa], [true, false]);
});

test('document types: plazo de atención in días hábiles, bounds, deactivation out of the filing form', async (t) => {
  const { stack, admin, ciudadano, adminId } = t.context;
  const tipo = code('REC');
  for (const plazoAtencionDias of [0, 366, 2.5, 'diez']) {
    const bad = await admin.post('/api/v1/admin/tipos-documento', { codigo: tipo, nombre: 'Recurso', plazoAtencionDias });
    t.is(bad.status, 400, String(plazoAtencionDias));
    t.is(bad.body.error.message, 'El plazo de atención debe ser un número entero de días hábiles entre 1 y 365.');
  }
  const created = await admin.post('/api/v1/admin/tipos-documento', { codigo: tipo, nombre: 'Recurso de reconsideración', plazoAtencionDias: 15 });
  t.is(created.status, 201);
  t.deepEqual(created.body, { codigo: tipo, nombre: 'Recurso de reconsideración', plazoAtencionDias: 15, activo: true });
  t.true((await catalogos(stack.base)).tiposDocumento.some((x) => x.codigo === tipo));
  const filed = await fileMultipart(stack.base, ciudadano, { tipoDocumento: tipo, asunto: 'Reconsideración de la resolución 12' });
  t.is(filed.status, 201);

  const edited = await admin.json('PATCH', `/api/v1/admin/tipos-documento/${tipo}`, { plazoAtencionDias: null });
  t.is(edited.status, 200);
  t.is(edited.body.plazoAtencionDias, null);
  const off = await admin.json('PATCH', `/api/v1/admin/tipos-documento/${tipo}`, { activo: false });
  t.is(off.status, 200);
  t.false((await catalogos(stack.base)).tiposDocumento.some((x) => x.codigo === tipo));
  const refused = await fileMultipart(stack.base, ciudadano, { tipoDocumento: tipo });
  t.is(refused.status, 400);
  t.is(refused.body.error.campo, 'tipoDocumento');
  const detail = (await (await ciudadano.get(`/api/v1/expedientes/${filed.body.numero}`)).json()) as { destino: string; destinoNombre: string; tipoDocumentoNombre: string };
  t.is(detail.tipoDocumentoNombre, 'Recurso de reconsideración');

  const list = (await (await admin.get('/api/v1/admin/tipos-documento')).json()) as { tiposDocumento: TipoDocumento[]; plazoAtencionPredeterminado: number };
  t.true(list.tiposDocumento.some((x) => x.codigo === tipo && x.activo === false));
  t.is(list.plazoAtencionPredeterminado, 30);
  const rows = await auditOf(stack, 'tipo_documento', tipo);
  t.deepEqual(
    rows.map((r) => [r.accion, r.cuenta_id, r.antes, r.despues]),
    [
      ['CREAR', adminId, null, { nombre: 'Recurso de reconsideración', plazoAtencionDias: 15, activo: true }],
      ['EDITAR', adminId, { nombre: 'Recurso de reconsideración', plazoAtencionDias: 15, activo: true }, { nombre: 'Recurso de reconsideración', plazoAtencionDias: null, activo: true }],
      ['DESACTIVAR', adminId, { nombre: 'Recurso de reconsideración', plazoAtencionDias: null, activo: true }, { nombre: 'Recurso de reconsideración', plazoAtencionDias: null, activo: false }],
    ],
  );
});

test.serial('business hours: validated, audited, and used by /calendario/presentacion at once', async (t) => {
  const { stack, admin, adminId } = t.context;
  // Wednesday 2 December 2026, a business day, at 08:00 and 17:00 Lima time.
  const presentacion = async (en: string) =>
    (await (await fetch(`${stack.base}/api/v1/calendario/presentacion?en=${encodeURIComponent(en)}`)).json()) as { recepcion: string };
  t.is((await presentacion('2026-12-02T08:00:00-05:00')).recepcion, '2026-12-02T08:30:00-05:00');
  t.is((await presentacion('2026-12-02T17:00:00-05:00')).recepcion, '2026-12-03T08:30:00-05:00');

  for (const [body, message] of [
    [{ inicio: '7:30', fin: '16:30' }, 'La hora de inicio debe tener el formato HH:MM de 24 horas, por ejemplo 08:30.'],
    [{ inicio: '07:30', fin: '24:00' }, 'La hora de fin debe tener el formato HH:MM de 24 horas, por ejemplo 08:30.'],
    [{ inicio: '17:00', fin: '08:00' }, 'La hora de inicio debe ser anterior a la hora de fin.'],
    [{ inicio: '08:00' }, 'Indique la hora de fin (HH:MM).'],
  ] as const) {
    const bad = await admin.json('PUT', '/api/v1/admin/ajustes/horario', body);
    t.is(bad.status, 400);
    t.is(bad.body.error.message, message);
  }
  const saved = await admin.json('PUT', '/api/v1/admin/ajustes/horario', { inicio: '07:30', fin: '17:30' });
  t.is(saved.status, 200);
  t.deepEqual(saved.body.horario, { inicio: '07:30', fin: '17:30' });
  t.is((await presentacion('2026-12-02T08:00:00-05:00')).recepcion, '2026-12-02T08:00:00-05:00');
  t.is((await presentacion('2026-12-02T17:00:00-05:00')).recepcion, '2026-12-02T17:00:00-05:00');
  t.is((await presentacion('2026-12-02T18:00:00-05:00')).recepcion, '2026-12-03T07:30:00-05:00');

  const ajustes = (await (await admin.get('/api/v1/admin/ajustes')).json()) as Ajustes;
  t.deepEqual(ajustes.horario, { inicio: '07:30', fin: '17:30' });
  t.deepEqual(ajustes.predeterminado.horario, { inicio: '08:30', fin: '16:30' });
  t.is(ajustes.actualizado.horario!.por, 'Luis Huamán Torres');
  const [row] = await auditOf(stack, 'ajustes', 'horario');
  t.deepEqual([row.accion, row.cuenta_id, row.antes, row.despues], ['EDITAR', adminId, { inicio: '08:30', fin: '16:30' }, { inicio: '07:30', fin: '17:30' }]);

  t.is((await admin.json('PUT', '/api/v1/admin/ajustes/horario', { inicio: '08:30', fin: '16:30' })).status, 200);
  t.is((await presentacion('2026-12-02T08:00:00-05:00')).recepcion, '2026-12-02T08:30:00-05:00');
  t.is((await auditOf(stack, 'ajustes', 'horario')).length, 2);
});

test.serial('upload limits: bounds with Spanish messages, then the effective limits change', async (t) => {
  const { stack, admin } = t.context;
  const ok = { principalMB: 10, primerAnexoMB: 12, anexoMB: 3, anexos: 2 };
  for (const [change, message] of [
    [{ principalMB: 0 }, 'El tamaño máximo del documento principal debe ser un número entero de 1 a 100 MB.'],
    [{ primerAnexoMB: 101 }, 'El tamaño máximo del primer anexo debe ser un número entero de 1 a 100 MB.'],
    [{ anexoMB: 'cinco' }, 'El tamaño máximo de cada anexo adicional debe ser un número entero de 1 a 100 MB.'],
    [{ anexos: 11 }, 'La cantidad máxima de anexos debe ser un número entero de 0 a 10.'],
    [{ anexos: -1 }, 'La cantidad máxima de anexos debe ser un número entero de 0 a 10.'],
  ] as const) {
    const bad = await admin.json('PUT', '/api/v1/admin/ajustes/limites', { ...ok, ...change });
    t.is(bad.status, 400);
    t.is(bad.body.error.message, message);
    t.is(bad.body.error.campo, Object.keys(change)[0]);
  }
  t.is((await effectiveLimits(stack.db, stack.config)).principalBytes, 20 * 1024 * 1024);
  const saved = await admin.json('PUT', '/api/v1/admin/ajustes/limites', ok);
  t.is(saved.status, 200);
  const l = await effectiveLimits(stack.db, stack.config);
  t.deepEqual([l.principalBytes, l.firstAnexoBytes, l.otherAnexoBytes, l.maxAnexos], [10 * 1024 * 1024, 12 * 1024 * 1024, 3 * 1024 * 1024, 2]);
  t.is(l.jsonBytes, stack.config.limits.jsonBytes);
  const [row] = await auditOf(stack, 'ajustes', 'limites');
  t.deepEqual([row.antes, row.despues], [{ principalMB: 20, primerAnexoMB: 30, anexoMB: 5, anexos: 5 }, ok]);
  t.is((await admin.json('PUT', '/api/v1/admin/ajustes/limites', { principalMB: 20, primerAnexoMB: 30, anexoMB: 5, anexos: 5 })).status, 200);
});

test('staff: an admin changes a role and office; the account sees it at once; the audit keeps before and after', async (t) => {
  const { stack, admin, adminId } = t.context;
  const email = `rol.${uid()}@demo.gob.pe`;
  t.is((await admin.post('/api/v1/admin/cuentas', { email, nombres: 'Rosa', apellidoPaterno: 'Ramos', rol: 'unidad', unidad: 'OAJ' })).status, 201);
  const cuenta = await stack.db('cuentas').where({ email }).first();
  await stack.db('cuentas').where({ id: cuenta.id }).update({ password_hash: (await stack.db('cuentas').where({ email: 'mesa@demo.gob.pe' }).first()).password_hash });
  const staff = await loginAs(stack.base, email);

  const missing = await admin.json('PATCH', `/api/v1/admin/cuentas/${cuenta.id}`, { rol: 'unidad' });
  t.is(missing.status, 400);
  t.is(missing.body.error.campo, 'unidad');
  t.is((await admin.json('PATCH', `/api/v1/admin/cuentas/${cuenta.id}`, { rol: 'unidad', unidad: 'NOEXISTE' })).status, 400);
  t.is((await admin.json('PATCH', `/api/v1/admin/cuentas/${cuenta.id}`, { rol: 'ciudadano' })).status, 400);
  const self = await admin.json('PATCH', `/api/v1/admin/cuentas/${adminId}`, { rol: 'supervisor' });
  t.is(self.status, 400);
  t.is(self.body.error.message, 'No puede quitarse a sí mismo el rol de administrador.');

  t.is((await admin.json('PATCH', `/api/v1/admin/cuentas/${cuenta.id}`, { rol: 'supervisor' })).status, 204);
  const me = (await (await staff.get('/api/v1/sesiones/actual')).json()) as { rol: string; unidad?: string };
  t.deepEqual([me.rol, me.unidad], ['supervisor', undefined]);
  t.is((await admin.json('PATCH', `/api/v1/admin/cuentas/${cuenta.id}`, { activo: false })).status, 204);
  t.is((await staff.get('/api/v1/sesiones/actual')).status, 401);

  const rows = await auditOf(stack, 'cuenta', String(cuenta.id));
  t.deepEqual(
    rows.map((r) => [r.accion, r.cuenta_id, r.antes, r.despues]),
    [
      ['CREAR', adminId, null, { email, rol: 'unidad', unidad: 'OAJ', activo: true }],
      ['EDITAR', adminId, { email, rol: 'unidad', unidad: 'OAJ', activo: true }, { email, rol: 'supervisor', unidad: null, activo: true }],
      ['DESACTIVAR', adminId, { email, rol: 'supervisor', unidad: null, activo: true }, { email, rol: 'supervisor', unidad: null, activo: false }],
    ],
  );
});

test('non-working days and API tokens are audited too', async (t) => {
  const { stack, admin, adminId } = t.context;
  const fecha = '2031-03-14';
  t.is((await admin.post('/api/v1/admin/dias-no-laborables', { fecha, descripcion: 'Aniversario de la entidad' })).status, 201);
  t.is((await admin.json('DELETE', `/api/v1/admin/dias-no-laborables/${fecha}`)).status, 200);
  t.is((await admin.json('DELETE', `/api/v1/admin/dias-no-laborables/${fecha}`)).status, 404);
  const dias = await auditOf(stack, 'dia_no_laborable', fecha);
  t.deepEqual(
    dias.map((r) => [r.accion, r.cuenta_id, r.antes, r.despues]),
    [
      ['CREAR', adminId, null, { fecha, descripcion: 'Aniversario de la entidad' }],
      ['ELIMINAR', adminId, { fecha, descripcion: 'Aniversario de la entidad' }, null],
    ],
  );
  const token = await admin.post('/api/v1/admin/tokens', { nombre: 'Sistema auditado' });
  t.is((await admin.json('DELETE', `/api/v1/admin/tokens/${token.body.id}`)).status, 204);
  t.deepEqual((await auditOf(stack, 'api_token', String(token.body.id))).map((r) => r.accion), ['CREAR', 'DESACTIVAR']);
});

test('the audit trail: filters by record and dates, keyset pages, bad filters answer 400', async (t) => {
  const { stack, admin } = t.context;
  const u = code('AU');
  await admin.post('/api/v1/admin/unidades', { codigo: u, nombre: 'Unidad auditada' });
  for (const nombre of ['Unidad auditada dos', 'Unidad auditada tres']) await admin.json('PATCH', `/api/v1/admin/unidades/${u}`, { nombre });

  const all = (await (await admin.get(`/api/v1/admin/auditoria?entidad=unidad&clave=${u}`)).json()) as Auditoria;
  t.deepEqual(all.registros.map((r) => r.accion), ['EDITAR', 'EDITAR', 'CREAR']);
  t.is(all.registros[0].cuenta!.email, 'admin@demo.gob.pe');
  t.deepEqual([all.registros[0].antes!.nombre, all.registros[0].despues!.nombre], ['Unidad auditada dos', 'Unidad auditada tres']);
  t.regex(all.registros[0].en, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-05:00$/);
  t.is(all.siguiente, null);

  const first = (await (await admin.get(`/api/v1/admin/auditoria?entidad=unidad&clave=${u}&limite=2`)).json()) as Auditoria;
  t.is(first.registros.length, 2);
  const second = (await (await admin.get(`/api/v1/admin/auditoria?entidad=unidad&clave=${u}&limite=2&despues=${first.siguiente}`)).json()) as Auditoria;
  t.deepEqual(second.registros.map((r) => r.accion), ['CREAR']);
  t.is(second.siguiente, null);

  const future = (await (await admin.get(`/api/v1/admin/auditoria?clave=${u}&desde=2099-01-01`)).json()) as Auditoria;
  t.is(future.registros.length, 0);
  const past = (await (await admin.get(`/api/v1/admin/auditoria?clave=${u}&hasta=2020-01-01`)).json()) as Auditoria;
  t.is(past.registros.length, 0);
  const today = new Date(Date.now() - 5 * 3600_000).toISOString().slice(0, 10);
  const todays = (await (await admin.get(`/api/v1/admin/auditoria?clave=${u}&desde=${today}&hasta=${today}`)).json()) as Auditoria;
  t.is(todays.registros.length, 3);

  for (const q of ['entidad=expediente', 'desde=ayer', 'desde=2026-12-10&hasta=2026-12-01', 'limite=500']) {
    const bad = await admin.json('GET', `/api/v1/admin/auditoria?${q}`);
    t.is(bad.status, 400, q);
  }
  t.is((await postJson(`${stack.base}/api/v1/admin/unidades`, { codigo: 'X', nombre: 'Sin sesión' })).status, 401);
});

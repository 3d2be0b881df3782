// Who may see an expediente, on a real database: for every kind of viewer, the pure rule
// (domain/visibility.ts maySee) and the SQL modifier (Expediente `visibleTo`) pick the same cases,
// and those are the cases the API shows today (services/expedientes/consultas.ts visibleExpediente and
// listExpedientes): a citizen or a system its own filings, mesa de partes, supervisors and admins
// every case, an office the cases in it and those that passed through it, an office-less clerk none.
import anyTest, { type TestFn } from 'ava';
import type { Knex } from 'knex';
import type { QueryBuilder } from 'objection';
import { createTestDb, uid } from './helpers/stack';
import { maySee, type Viewer, type VisibilityFacts } from '../domain/visibility';
import type { Estado } from '../domain/lifecycle';
import { ApiToken, Cuenta, Expediente, Historial, Unidad, type RolCuenta } from '../lib/models';

type Caso = 'pendiente' | 'observado' | 'enOaj' | 'deOajAGg' | 'atendidoEnGg' | 'delSistemaA' | 'sinHistorial' | 'recienPresentado';
type Quien = 'ana' | 'beto' | 'sistemaA' | 'sistemaB' | 'mesa' | 'oaj' | 'gg' | 'sinOficina' | 'supervisor' | 'admin' | 'cuentaDeSistema';

interface Ctx {
  db: Knex;
  drop: () => Promise<void>;
  viewers: Record<Quien, Viewer>;
  /** Case name by id. */
  casos: Map<number, Caso>;
}
const test = anyTest as TestFn<Ctx>;

const TODOS: Caso[] = ['pendiente', 'observado', 'enOaj', 'deOajAGg', 'atendidoEnGg', 'delSistemaA', 'sinHistorial', 'recienPresentado'];

/** What the API shows each viewer today. */
const HOY: Record<Quien, Caso[]> = {
  ana: ['pendiente', 'enOaj', 'atendidoEnGg'],
  beto: ['observado', 'deOajAGg', 'sinHistorial'],
  sistemaA: ['delSistemaA'],
  sistemaB: ['recienPresentado'],
  mesa: TODOS,
  supervisor: TODOS,
  admin: TODOS,
  // deOajAGg passed through OAJ and is in GG now: both offices see it.
  oaj: ['enOaj', 'deOajAGg', 'sinHistorial'],
  gg: ['deOajAGg', 'atendidoEnGg', 'delSistemaA'],
  sinOficina: [],
  // No account has this role; a role the rule does not know sees nothing.
  cuentaDeSistema: [],
};

test.before(async (t) => {
  const { db, drop } = await createTestDb({ seed: false });
  for (const [codigo, nombre, es_mesa_partes] of [['MP', 'Mesa de Partes', true], ['GG', 'Gerencia General', false], ['OAJ', 'Oficina de Asesoría Jurídica', false]] as const) {
    await Unidad.query(db).insert({ codigo, nombre, es_mesa_partes });
  }
  const now = new Date();
  const cuenta = async (rol: RolCuenta, unidad: string | null) =>
    (await Cuenta.query(db).insert({ rol, tipo_persona: 'NATURAL', email: `${rol}-${uid()}@demo.pe`, nombres: rol, unidad_codigo: unidad, created_at: now, updated_at: now })).id;
  const ids = {
    ana: await cuenta('ciudadano', null),
    beto: await cuenta('ciudadano', null),
    mesa: await cuenta('mesa_partes', 'MP'),
    oaj: await cuenta('unidad', 'OAJ'),
    gg: await cuenta('unidad', 'GG'),
    sinOficina: await cuenta('unidad', null),
    supervisor: await cuenta('supervisor', null),
    admin: await cuenta('admin', null),
  };
  const token = async (nombre: string) => (await ApiToken.query(db).insert({ nombre, token_hash: uid(), prefijo: 'mpv_' + uid(), creado_por: ids.admin, creado_en: now })).id;
  const tokens = { a: await token('Sistema A'), b: await token('Sistema B') };

  const staff = (quien: keyof typeof ids, rol: RolCuenta): Viewer => ({ kind: 'cuenta', cuentaId: ids[quien], rol, unidad: quien === 'mesa' ? 'MP' : quien === 'oaj' ? 'OAJ' : quien === 'gg' ? 'GG' : null });
  const viewers: Record<Quien, Viewer> = {
    ana: staff('ana', 'ciudadano'),
    beto: staff('beto', 'ciudadano'),
    sistemaA: { kind: 'sistema', tokenId: tokens.a },
    sistemaB: { kind: 'sistema', tokenId: tokens.b },
    mesa: staff('mesa', 'mesa_partes'),
    oaj: staff('oaj', 'unidad'),
    gg: staff('gg', 'unidad'),
    sinOficina: staff('sinOficina', 'unidad'),
    supervisor: staff('supervisor', 'supervisor'),
    admin: staff('admin', 'admin'),
    cuentaDeSistema: { kind: 'cuenta', cuentaId: ids.ana, rol: 'sistema', unidad: null },
  };

  // Each case: its filer, its state now, and the office after each of its transitions (its historial).
  const filings: [Caso, { cuenta_id?: number; api_token_id?: number }, Estado, (string | null)[], string | null][] = [
    ['pendiente', { cuenta_id: ids.ana }, 'PENDIENTE_VALIDACION', [null], null],
    ['observado', { cuenta_id: ids.beto }, 'OBSERVADO', [null, null], null],
    ['enOaj', { cuenta_id: ids.ana }, 'DERIVADO', [null, 'OAJ'], 'OAJ'],
    ['deOajAGg', { cuenta_id: ids.beto }, 'DERIVADO', [null, 'OAJ', 'OAJ', 'GG'], 'GG'],
    ['atendidoEnGg', { cuenta_id: ids.ana }, 'ATENDIDO', [null, 'GG', 'GG', 'GG'], 'GG'],
    ['delSistemaA', { api_token_id: tokens.a }, 'ARCHIVADO', [null, 'GG', 'GG'], 'GG'],
    // The row alone puts it in OAJ: the current office counts without a historial row.
    ['sinHistorial', { cuenta_id: ids.beto }, 'DERIVADO', [], 'OAJ'],
    // Filed, workflow not started yet: no historial.
    ['recienPresentado', { api_token_id: tokens.b }, 'PENDIENTE_VALIDACION', [], null],
  ];
  const casos = new Map<number, Caso>();
  for (const [i, [caso, filer, estado, oficinas, unidad]] of filings.entries()) {
    const correlativo = i + 1;
    const numero = `${String(correlativo).padStart(5, '0')}-2026`;
    const e = await Expediente.query(db).insert({
      numero, anio: 2026, correlativo, workflow_id: `expediente-2026-${numero.slice(0, 5)}`, estado, tipo_documento: 'SOLICITUD',
      asunto: `Caso ${caso}`, remitente: 'Remitente', unidad, presentado_en: now, recibido_en: now, fecha_presentacion: '2026-12-01', ...filer,
    });
    for (const [secuencia, u] of oficinas.entries()) {
      await Historial.query(db).insert({
        expediente_id: e.id, secuencia: secuencia + 1, accion: secuencia === 0 ? 'PRESENTAR' : 'DERIVAR', estado_nuevo: estado, actor: 'prueba', unidad: u, ocurrido_en: now,
      });
    }
    casos.set(e.id, caso);
  }
  t.context = { db, drop, viewers, casos };
});
test.after.always((t) => t.context.drop?.());

const facts = (e: Expediente): VisibilityFacts => ({
  cuentaId: e.cuenta_id,
  apiTokenId: e.api_token_id,
  unidad: e.unidad,
  unidadesHistorial: (e.historial ?? []).flatMap((h) => (h.unidad ? [h.unidad] : [])),
});

const names = (t: { context: Ctx }, ids: number[]) => ids.map((id) => t.context.casos.get(id)!).sort();

test('the rule and the SQL modifier pick the same cases for every viewer, the ones the API shows today', async (t) => {
  const { db, viewers } = t.context;
  const all = await Expediente.query(db).withGraphFetched('historial');
  t.is(all.length, TODOS.length);
  for (const [quien, viewer] of Object.entries(viewers) as [Quien, Viewer][]) {
    const porRegla = names(t, all.filter((e) => maySee(viewer, facts(e))).map((e) => e.id));
    const porSql = names(t, (await Expediente.query(db).modify('visibleTo', viewer).select('id')).map((e) => e.id));
    t.deepEqual(porSql, porRegla, `${quien}: SQL and rule agree`);
    t.deepEqual(porRegla, [...HOY[quien]].sort(), `${quien}: as today`);
  }
});

test('the modifier keeps its meaning under an alias, and a tray only narrows it', async (t) => {
  const { db, viewers } = t.context;
  const ids = async (q: QueryBuilder<Expediente>) => names(t, (await q.select('e.id')).map((e) => e.id));
  t.deepEqual(await ids(Expediente.query(db).alias('e').modify('visibleTo', viewers.oaj)), [...HOY.oaj].sort());
  // The office's trays show what is in it now: deOajAGg, visible to OAJ, is in GG's tray.
  const enOaj = Expediente.query(db).alias('e').modify('visibleTo', viewers.oaj).modify('enUnidad', 'OAJ');
  t.deepEqual(await ids(enOaj.clone().modify('porRecibir')), ['enOaj', 'sinHistorial']);
  t.deepEqual(await ids(Expediente.query(db).alias('e').modify('visibleTo', viewers.gg).modify('enUnidad', 'GG').modify('porRecibir')), ['deOajAGg']);
  t.deepEqual(await ids(Expediente.query(db).alias('e').modify('visibleTo', viewers.mesa).modify('observados').modify('enMesaDePartes')), ['observado']);
  t.deepEqual(await ids(Expediente.query(db).alias('e').modify('visibleTo', viewers.ana).modify('enTramite')), ['enOaj', 'pendiente']);
});

test('one case at a time: findOne through the modifier is the 404 the rule gives', async (t) => {
  const { db, viewers, casos } = t.context;
  const [id] = [...casos].find(([, c]) => c === 'deOajAGg')!;
  const row = await Expediente.query(db).findById(id).withGraphFetched('historial');
  for (const [quien, viewer] of Object.entries(viewers) as [Quien, Viewer][]) {
    const found = await Expediente.query(db).modify('visibleTo', viewer).findOne({ numero: row!.numero });
    t.is(!!found, maySee(viewer, facts(row!)), quien);
  }
});

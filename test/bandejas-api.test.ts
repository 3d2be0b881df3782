// The staff trays, the supervisor's dashboard and the exports over HTTP on the real stack: each
// tray shows the right cases to each role and an office only its own; filters and keyset pages;
// the actions the issue adds to what expedientes-api.test.ts covers (reassignment by a
// supervisor, re-derivation, role and state refusals); two clerks acting at once; exports read
// back with exceljs and pdftotext holding exactly the rows of the filtered tray.
import anyTest, { type TestFn } from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { PDFDocument } from 'pdf-lib';
import { startStack, uid } from './helpers/stack';
import { actionMultipart, extraAccount, fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { until } from './helpers/wait';
import { addDays, businessDaysUntil } from '../domain/calendar';
import { estadoQuery, workflowIdFor } from '../workflows/definitions';
import { EXPORT_MAX_FILAS } from '../lib/exports';
import type { BandejaResumen, PaginaBandeja } from '../services/bandejas/bandejas';
import type { Tablero } from '../services/bandejas/tablero';

/** A tray's answer as these tests read it: a page, or an error. */
type TrayBody = PaginaBandeja & { error: { code: string; message: string } };

interface Ctx extends Awaited<ReturnType<typeof startStack>> {
  ciudadano: Client;
  otroCiudadano: Client;
  mesa: Client;
  mesa2: Client;
  unidad: Client;
  unidad2: Client;
  gerencia: Client;
  supervisor: Client;
  admin: Client;
}
const test = anyTest as TestFn<Ctx>;
const exec = promisify(execFile);

test.before(async (t) => {
  const stack = await startStack();
  const { base, db } = stack;
  t.context = {
    ...stack,
    ciudadano: await loginAs(base, 'ciudadano@demo.pe'),
    mesa: await loginAs(base, 'mesa@demo.gob.pe'),
    unidad: await loginAs(base, 'unidad@demo.gob.pe'),
    supervisor: await loginAs(base, 'supervisor@demo.gob.pe'),
    admin: await loginAs(base, 'admin@demo.gob.pe'),
    otroCiudadano: await extraAccount(base, db, 'otra@demo.pe', { rol: 'ciudadano', tipo_documento: 'DNI', numero_documento: '40000002', nombres: 'Otra' }),
    mesa2: await extraAccount(base, db, 'mesa2@demo.gob.pe', { rol: 'mesa_partes', unidad_codigo: 'MP' }),
    unidad2: await extraAccount(base, db, 'unidad2@demo.gob.pe', { rol: 'unidad', unidad_codigo: 'OAJ' }),
    gerencia: await extraAccount(base, db, 'gerencia@demo.gob.pe', { rol: 'unidad', unidad_codigo: 'GG' }),
  };
});
test.after.always((t) => t.context.close());

async function file(t: { context: Ctx }, asunto: string, fields: Record<string, string> = {}, who?: Client) {
  const r = await fileMultipart(t.context.base, who ?? t.context.ciudadano, { asunto, ...fields });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}

async function act(c: Client, numero: string, accion: string, body: Record<string, string> = {}) {
  const r = await c.post(`/api/v1/expedientes/${numero}/${accion}`, body);
  if (r.status !== 200) throw new Error(`${accion} ${numero}: ${r.status} ${JSON.stringify(r.body)}`);
}

/** Waits until the workflow has computed the plazo of the case's state and projected it. */
async function settled(t: { context: Ctx }, numero: string, tipo: 'validacion' | 'atencion') {
  const handle = t.context.client.workflow.getHandle(workflowIdFor(numero));
  await until(async () => {
    const v = await handle.query(estadoQuery);
    if (v.plazo?.tipo !== tipo) return false;
    const row = await t.context.db('expedientes').where({ numero }).first('vence_en');
    return !!row.vence_en && new Date(row.vence_en).getTime() === Date.parse(v.plazo.vence);
  });
}

const atender = async (t: { context: Ctx }, c: Client, numero: string) =>
  actionMultipart(t.context.base, c, numero, 'atender', { comentario: 'Se atiende lo solicitado' }, [{ field: 'respuesta', name: 'respuesta.pdf', data: await makePdf(1, 'Respuesta') }]);

async function tray(c: Client, bandeja: string, query: Record<string, string> = {}) {
  const res = await c.get(`/api/v1/bandejas/${bandeja}?${new URLSearchParams(query)}`);
  return { status: res.status, body: (await res.json()) as TrayBody };
}

/** The numbers a tray shows for a search (every case of a test carries the test's tag in its asunto). */
async function numeros(c: Client, bandeja: string, asunto: string, query: Record<string, string> = {}) {
  const r = await tray(c, bandeja, { asunto, limite: '100', ...query });
  if (r.status !== 200) throw new Error(`${bandeja}: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body.expedientes as { numero: string }[]).map((e) => e.numero);
}

test('each tray shows each role its cases; an office sees only its own (403 and 404 elsewhere)', async (t) => {
  const { mesa, unidad, gerencia, supervisor, admin, ciudadano, base } = t.context;
  const tag = `Bandejas ${uid()}`;
  const pendiente = await file(t, `${tag} pendiente`);
  const observado = await file(t, `${tag} observado`);
  await act(mesa, observado, 'observar', { motivo: 'Falta la firma del solicitante' });
  const porRecibir = await file(t, `${tag} por recibir`);
  await act(mesa, porRecibir, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
  const enProceso = await file(t, `${tag} en proceso`);
  await act(mesa, enProceso, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
  await act(unidad, enProceso, 'recibir');
  const atendido = await file(t, `${tag} atendido`);
  await act(mesa, atendido, 'derivar', { unidad: 'OAJ', proveido: 'Para su atención' });
  await act(unidad, atendido, 'recibir');
  t.is((await atender(t, unidad, atendido)).status, 200);
  const deGerencia = await file(t, `${tag} de gerencia`);
  await act(mesa, deGerencia, 'derivar', { unidad: 'GG', proveido: 'Para conocimiento' });

  // Mesa de partes: reception only.
  t.deepEqual(await numeros(mesa, 'por-validar', tag), [pendiente]);
  t.deepEqual(await numeros(mesa, 'observados', tag), [observado]);
  t.is((await tray(mesa, 'por-recibir')).status, 403);
  t.is((await numeros(mesa, 'todos', tag)).length, 6);

  // The office: its own cases, in their trays; never another office's.
  t.deepEqual(await numeros(unidad, 'por-recibir', tag), [porRecibir]);
  t.deepEqual(await numeros(unidad, 'en-proceso', tag), [enProceso]);
  t.deepEqual(await numeros(unidad, 'atendidos', tag), [atendido]);
  t.deepEqual(await numeros(unidad, 'observados', tag), []);
  t.deepEqual((await numeros(unidad, 'todos', tag)).sort(), [porRecibir, enProceso, atendido].sort());
  t.deepEqual(await numeros(gerencia, 'por-recibir', tag), [deGerencia]);
  const ajena = await tray(unidad, 'por-recibir', { unidad: 'GG' });
  t.is(ajena.status, 403);
  t.is(ajena.body.error.message, 'Solo puede ver los expedientes de su unidad orgánica.');
  t.is((await tray(unidad, 'por-validar')).status, 403);
  t.is((await tray(unidad, 'vencidos')).status, 403);
  for (const numero of [deGerencia, pendiente]) {
    t.is((await unidad.get(`/api/v1/expedientes/${numero}`)).status, 404, `OAJ does not see ${numero}`);
    t.is((await unidad.post(`/api/v1/expedientes/${numero}/recibir`)).status, 404);
  }
  t.is((await gerencia.get(`/api/v1/expedientes/${porRecibir}`)).status, 404);
  const lista = (await (await unidad.get(`/api/v1/expedientes?asunto=${encodeURIComponent(tag)}&limite=100`)).json()) as { expedientes: { numero: string }[] };
  t.deepEqual(lista.expedientes.map((e) => e.numero).sort(), [porRecibir, enProceso, atendido].sort());

  // Supervisor and admin: every tray of every office, with the office filter.
  t.deepEqual((await numeros(supervisor, 'por-recibir', tag)).sort(), [porRecibir, deGerencia].sort());
  t.deepEqual(await numeros(supervisor, 'por-recibir', tag, { unidad: 'OAJ' }), [porRecibir]);
  t.deepEqual(await numeros(admin, 'observados', tag), [observado]);
  t.deepEqual(await numeros(supervisor, 'por-validar', tag, { unidad: 'MP' }), [pendiente]);
  t.is((await tray(supervisor, 'todos', { unidad: 'NOEXISTE' })).status, 400);

  // Tabs per role; citizens and anonymous visitors have no trays.
  const tabs = async (c: Client) => ((await (await c.get('/api/v1/bandejas')).json()) as { bandejas: BandejaResumen[] }).bandejas.map((b) => b.codigo);
  t.deepEqual(await tabs(mesa), ['por-validar', 'observados', 'todos']);
  t.deepEqual(await tabs(unidad), ['por-recibir', 'en-proceso', 'observados', 'atendidos', 'todos']);
  t.deepEqual(await tabs(supervisor), ['por-validar', 'por-recibir', 'en-proceso', 'observados', 'atendidos', 'vencidos', 'sin-accion', 'todos']);
  t.is((await tray(ciudadano, 'por-validar')).status, 403);
  t.is((await fetch(`${base}/api/v1/bandejas/por-validar`)).status, 401);
  t.is((await tray(mesa, 'no-existe')).status, 404);
});

test('filters, keyset pages (what is due first first), business days left and the overdue mark', async (t) => {
  const { mesa, supervisor, db, otroCiudadano } = t.context;
  const tag = `Filtros ${uid()}`;
  const filed: string[] = [];
  for (let i = 0; i < 5; i++) filed.push(await file(t, `${tag} n${i}`, i === 3 ? { tipoDocumento: 'OFICIO' } : {}));
  const ajeno = await file(t, `${tag} ajeno`, {}, otroCiudadano);

  // What is due first comes first (each validation plazo computed), two at a time, every case once.
  for (const n of [...filed, ajeno]) await settled(t, n, 'validacion');
  const pages: string[] = [];
  let despues: string | null = null;
  do {
    const q: Record<string, string> = { asunto: tag, limite: '2', ...(despues ? { despues } : {}) };
    const r = await tray(mesa, 'por-validar', q);
    t.is(r.status, 200);
    t.true(r.body.expedientes.length <= 2);
    pages.push(...r.body.expedientes.map((e) => e.numero));
    despues = r.body.siguiente;
  } while (despues);
  t.deepEqual(pages, [...filed, ajeno]);

  const [n, year] = filed[2].split('-');
  t.deepEqual(await numeros(mesa, 'por-validar', tag, { numero: `${Number(n)}-${year}` }), [filed[2]]);
  t.deepEqual(await numeros(mesa, 'por-validar', tag, { tipo: 'OFICIO' }), [filed[3]]);
  t.deepEqual(await numeros(mesa, 'por-validar', tag, { documento: '40000002' }), [ajeno]);
  // Dates filter the fecha de recepción (a filing out of hours is received the next business day).
  const recepcion = ((await tray(mesa, 'por-validar', { numero: filed[0] })).body.expedientes[0].fechaRecepcion as string).slice(0, 10);
  t.true((await numeros(mesa, 'por-validar', tag, { desde: recepcion, hasta: recepcion })).includes(filed[0]));
  t.deepEqual(await numeros(mesa, 'por-validar', tag, { desde: addDays(recepcion, 1) }), []);
  t.deepEqual(await numeros(mesa, 'por-validar', tag, { desde: '2020-01-01', hasta: '2020-12-31' }), []);
  const bad: [Record<string, string>, RegExp][] = [
    [{ desde: 'ayer' }, /La fecha «desde» debe ser AAAA-MM-DD/],
    [{ desde: '2026-12-10', hasta: '2026-12-01' }, /«hasta» no puede ser anterior/],
    [{ documento: '12ab' }, /de 8 a 11 dígitos/],
    [{ estado: 'NADA' }, /Estado desconocido/],
    [{ despues: 'no-es-un-cursor' }, /cursor de página no es válido/],
    [{ limite: '500' }, /límite va de 1 a 100/],
  ];
  for (const [q, message] of bad) {
    const r = await tray(mesa, 'por-validar', q);
    t.is(r.status, 400, JSON.stringify(q));
    t.regex(r.body.error.message, message);
  }

  // Each row carries the business days left of its validation plazo, from the calendar.
  await settled(t, filed[0], 'validacion');
  const [row] = (await tray(mesa, 'por-validar', { numero: filed[0] })).body.expedientes;
  t.regex(row.venceEn!, /^\d{4}-\d{2}-\d{2}T23:59:59-05:00$/);
  t.is(row.diasRestantes, businessDaysUntil(new Date(), new Date(row.venceEn!), { opens: '08:30', closes: '16:30', nonWorkingDays: [] }));
  t.is(row.remitenteDocumento, 'DNI 40000001');
  t.is(row.url, `/expedientes/${filed[0]}`);
  t.false(row.vencido);

  // A deadline that passed (the workflow marks it, as plazos.test.ts shows): highlighted and listed.
  await settled(t, filed[1], 'validacion');
  await db('expedientes').where({ numero: filed[1] }).update({ vence_en: new Date(Date.now() - 10 * 86_400_000), vencido: true });
  const overdue = (await tray(mesa, 'por-validar', { numero: filed[1] })).body.expedientes[0];
  t.true(overdue.vencido);
  t.is(overdue.diasRestantes, businessDaysUntil(new Date(), new Date(overdue.venceEn!), { opens: '08:30', closes: '16:30', nonWorkingDays: [] }));
  t.true(overdue.diasRestantes! < 0);
  t.deepEqual(await numeros(mesa, 'por-validar', tag, { vencido: 'si' }), [filed[1]]);
  t.deepEqual(await numeros(supervisor, 'vencidos', tag), [filed[1]]);
});

test('supervisors reassign any case and the seguimiento records them; offices re-derive; roles and states are refused', async (t) => {
  const { mesa, unidad, gerencia, supervisor, admin, ciudadano, base } = t.context;
  const tag = `Acciones ${uid()}`;
  const seguimiento = async (numero: string) =>
    ((await (await supervisor.get(`/api/v1/expedientes/${numero}`)).json()) as { seguimiento: { accion: string; actor: string; unidad: string | null; nota: string | null }[] }).seguimiento;

  // A supervisor derives straight from reception, then reassigns from one office to another.
  const a = await file(t, `${tag} reasignado`);
  await act(supervisor, a, 'derivar', { unidad: 'OAJ', proveido: 'Atender con prioridad' });
  t.deepEqual(await numeros(unidad, 'por-recibir', tag), [a]);
  await act(supervisor, a, 'derivar', { unidad: 'GG', proveido: 'Reasignado a Gerencia General' });
  t.deepEqual(await numeros(unidad, 'por-recibir', tag), []);
  t.deepEqual(await numeros(gerencia, 'por-recibir', tag), [a]);
  const derivaciones = (await seguimiento(a)).filter((s) => s.accion === 'DERIVAR');
  t.deepEqual(derivaciones.map((s) => [s.actor, s.unidad, s.nota]), [
    ['supervisor@demo.gob.pe', 'OAJ', 'Atender con prioridad'],
    ['supervisor@demo.gob.pe', 'GG', 'Reasignado a Gerencia General'],
  ]);
  // OAJ still sees the case that passed through it, without acting on it.
  t.is((await unidad.get(`/api/v1/expedientes/${a}`)).status, 200);
  t.is((await unidad.post(`/api/v1/expedientes/${a}/recibir`)).status, 403);
  // A supervisor may also receive and attend.
  await act(supervisor, a, 'recibir');
  t.is((await atender(t, supervisor, a)).status, 200);
  t.deepEqual(await numeros(gerencia, 'atendidos', tag), [a]);

  // An office receives, then derives to another office with a proveído; it leaves its trays.
  const b = await file(t, `${tag} rederivado`);
  await act(mesa, b, 'derivar', { unidad: 'OAJ', proveido: 'Para opinión legal' });
  await act(unidad, b, 'recibir');
  t.deepEqual(await numeros(unidad, 'en-proceso', tag), [b]);
  await act(unidad, b, 'derivar', { unidad: 'GG', proveido: 'Con opinión legal favorable' });
  t.deepEqual(await numeros(unidad, 'en-proceso', tag), []);
  t.deepEqual(await numeros(gerencia, 'por-recibir', tag), [b]);
  const redirect = await unidad.post(`/api/v1/expedientes/${b}/derivar`, { unidad: 'OA', proveido: 'Otra vez' });
  t.is(redirect.status, 403);

  // Role boundaries (403) and states that do not allow the action (409).
  const c = await file(t, `${tag} negado`);
  const forbidden: [Client, string, Record<string, string>][] = [
    [admin, 'derivar', { unidad: 'OAJ', proveido: 'No corresponde' }],
    [mesa, 'recibir', {}],
    [ciudadano, 'observar', { motivo: 'Yo mismo me observo' }],
  ];
  for (const [who, accion, body] of forbidden) t.is((await who.post(`/api/v1/expedientes/${c}/${accion}`, body)).status, 403, accion);
  const mesaAtender = await atender(t, mesa, c);
  t.is(mesaAtender.status, 403);
  await act(mesa, c, 'observar', { motivo: 'Adjunte el poder del representante' });
  const refused: [string, Record<string, string>][] = [
    ['observar', { motivo: 'Otra observación más' }],
    ['derivar', { unidad: 'OAJ', proveido: 'Atender' }],
    ['recibir', {}],
  ];
  for (const [accion, body] of refused) {
    const r = await supervisor.post(`/api/v1/expedientes/${c}/${accion}`, body);
    t.is(r.status, 409, accion);
    t.regex(r.body.error.message, new RegExp(`No se puede ${accion} el expediente ${c}: está observado\\. Última acción: observar por mesa@demo\\.gob\\.pe`));
  }
  t.is((await atender(t, supervisor, c)).status, 409);
  t.is((await fetch(`${base}/api/v1/expedientes/${c}/derivar`, { method: 'POST' })).status, 401);
});

test('two clerks acting on one case at once: one wins, the other gets 409 saying who did what and when', async (t) => {
  const { mesa, mesa2, unidad, unidad2, db } = t.context;
  const numero = await file(t, `Concurrencia ${uid()}`);
  const both = await Promise.all([
    mesa.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OAJ', proveido: 'Para su atención' }),
    mesa2.post(`/api/v1/expedientes/${numero}/derivar`, { unidad: 'OA', proveido: 'Para su atención' }),
  ]);
  t.deepEqual(both.map((r) => r.status).sort(), [200, 409]);
  const exp = await db('expedientes').where({ numero }).first('id', 'unidad');
  const derivar = await db('historial').where({ expediente_id: exp.id, accion: 'DERIVAR' });
  t.is(derivar.length, 1);
  const winner = derivar[0].actor as string;
  const loser = both.find((r) => r.status === 409)!;
  const who = winner.replace(/\./g, '\\.');
  t.regex(loser.body.error.message, new RegExp(`^No se puede derivar el expediente ${numero}: ya no está en mesa de partes\\. Última acción: derivar por ${who} \\(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}`));
  // Later, the same answer from the read model.
  const late = await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Falta un documento' });
  t.is(late.status, 409);
  t.regex(late.body.error.message, new RegExp(`Última acción: derivar por ${who} \\(`));

  if (exp.unidad !== 'OAJ') await act(t.context.supervisor, numero, 'derivar', { unidad: 'OAJ', proveido: 'A Asesoría Jurídica' });
  const received = await Promise.all([unidad.post(`/api/v1/expedientes/${numero}/recibir`), unidad2.post(`/api/v1/expedientes/${numero}/recibir`)]);
  t.deepEqual(received.map((r) => r.status).sort(), [200, 409]);
  const recibir = await db('historial').where({ expediente_id: exp.id, accion: 'RECIBIR' });
  t.is(recibir.length, 1);
  t.regex(received.find((r) => r.status === 409)!.body.error.message, new RegExp(`ya fue recibido\\. Última acción: recibir por ${recibir[0].actor.replace(/\./g, '\\.')} \\(`));
});

/** The data rows of the exported sheet: those under the header row that starts with 'Expediente'. */
async function sheetRows(buf: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const ws = wb.worksheets[0];
  const all: ExcelJS.Row[] = [];
  ws.eachRow((r) => all.push(r));
  const header = all.find((r) => r.getCell(1).value === 'Expediente')!;
  return { ws, header, top: all.filter((r) => r.number < header.number).map((r) => String(r.getCell(1).value)), data: all.filter((r) => r.number > header.number) };
}

test('exports: Excel and PDF hold exactly the rows of the filtered tray', async (t) => {
  const { mesa, unidad, ciudadano, config } = t.context;
  const tag = `Exportar ${uid()}`;
  const numerosTag: string[] = [];
  for (let i = 0; i < 3; i++) numerosTag.push(await file(t, `${tag} <b>${i}</b>`, i === 1 ? { tipoDocumento: 'OFICIO' } : {}));
  await file(t, `Otro asunto ${uid()}`);
  const shown = await numeros(mesa, 'por-validar', tag, { tipo: 'SOLICITUD' });
  t.deepEqual(shown, [numerosTag[0], numerosTag[2]]);

  const query = new URLSearchParams({ asunto: tag, tipo: 'SOLICITUD' });
  const xlsx = await mesa.get(`/api/v1/bandejas/por-validar/export.xlsx?${query}`);
  t.is(xlsx.status, 200);
  t.is(xlsx.headers.get('content-type'), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  t.regex(xlsx.headers.get('content-disposition')!, /^attachment; filename="bandeja-por-validar-\d{4}-\d{2}-\d{2}\.xlsx"$/);
  const { ws, header, top, data } = await sheetRows(Buffer.from(await xlsx.arrayBuffer()));
  t.deepEqual(data.map((r) => r.getCell(1).value), shown);
  t.is(data[0].getCell(4).value, `${tag} <b>0</b>`);
  t.true(data[0].getCell(2).value instanceof Date, 'fecha de recepción as a real date');
  t.is(data[0].getCell(6).value, 'DNI 40000001');
  t.true(header.font.bold);
  t.deepEqual([ws.views[0].state, (ws.views[0] as { ySplit?: number }).ySplit], ['frozen', header.number]);
  t.true(top.includes(config.institution.name));
  t.true(top.includes('Bandeja «Por validar»'));
  t.true(top.includes(`Asunto: ${tag}`));
  t.true(top.includes('Tipo de documento: Solicitud'));

  const pdf = await mesa.get(`/api/v1/bandejas/por-validar/export.pdf?${query}`);
  t.is(pdf.status, 200);
  t.is(pdf.headers.get('content-type'), 'application/pdf');
  const bytes = Buffer.from(await pdf.arrayBuffer());
  t.true((await PDFDocument.load(bytes)).getPageCount() >= 1);
  const text = await pdfText(bytes);
  t.deepEqual(text.match(/\d{5}-\d{4}/g), shown);
  t.true(text.includes(`Asunto: ${tag}`));
  t.true(text.includes(`${tag} <b>0</b>`));
  t.true(text.includes(config.institution.name));

  // The office's export holds only its own cases; citizens have none.
  t.is((await unidad.get(`/api/v1/bandejas/por-validar/export.xlsx`)).status, 403);
  t.is((await ciudadano.get(`/api/v1/bandejas/todos/export.pdf`)).status, 403);
});

/** The PDF's text as pdftotext (poppler) reads it. */
async function pdfText(bytes: Buffer) {
  const dir = await mkdtemp(join(tmpdir(), 'mpv-export-'));
  try {
    await writeFile(join(dir, 'export.pdf'), bytes);
    return (await exec('pdftotext', ['-layout', join(dir, 'export.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })).stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test(`exports stop at ${EXPORT_MAX_FILAS} rows and say so`, async (t) => {
  const { db, supervisor } = t.context;
  const tag = `Masivo ${uid()}`;
  // Closed cases of an old year straight into the read model: the export only reads it.
  await db.raw(
    `insert into expedientes (numero, anio, correlativo, workflow_id, estado, tipo_documento, asunto, remitente, presentado_en, recibido_en, fecha_presentacion, updated_at)
     select lpad(g::text, 5, '0') || '-2019', 2019, g, 'expediente-2019-' || lpad(g::text, 5, '0'), 'ARCHIVADO', 'CARTA', ? || ' ' || g, 'Remitente masivo',
            timestamptz '2019-03-01 10:00-05' + g * interval '1 minute', timestamptz '2019-03-01 10:00-05' + g * interval '1 minute', date '2019-03-01', now()
     from generate_series(1, ?) g`,
    [tag, EXPORT_MAX_FILAS + 5],
  );
  const res = await supervisor.get(`/api/v1/bandejas/todos/export.xlsx?${new URLSearchParams({ asunto: tag, estado: 'ARCHIVADO' })}`);
  t.is(res.status, 200);
  const { top, data } = await sheetRows(Buffer.from(await res.arrayBuffer()));
  t.is(data.length, EXPORT_MAX_FILAS);
  // Newest first, as the tray shows them.
  t.is(data[0].getCell(1).value, `${String(EXPORT_MAX_FILAS + 5).padStart(5, '0')}-2019`);
  t.true(top.some((l) => l.includes(`Se exportaron solo las primeras ${EXPORT_MAX_FILAS.toLocaleString('es-PE')} filas`)));
});

// Serial: it compares the dashboard's counts with the database, which the other tests of this file
// would change in between.
test.serial('the supervisor dashboard counts by state and office, lists overdue and idle cases with their Temporal links', async (t) => {
  const { supervisor, mesa, unidad, ciudadano, db, config } = t.context;
  const tag = `Tablero ${uid()}`;
  const vencido = await file(t, `${tag} vencido`);
  await act(mesa, vencido, 'derivar', { unidad: 'OAJ', proveido: 'Atender' });
  await settled(t, vencido, 'atencion');
  await db('expedientes').where({ numero: vencido }).update({ vence_en: new Date(Date.now() - 3 * 86_400_000), vencido: true });
  const quieto = await file(t, `${tag} sin acción`);
  await settled(t, quieto, 'validacion');
  // Its last transition was projected long ago (the projection stamps updated_at).
  await db('expedientes').where({ numero: quieto }).update({ updated_at: new Date(Date.now() - 20 * 86_400_000) });
  const reciente = await file(t, `${tag} reciente`);

  const res = await supervisor.get('/api/v1/supervision/tablero');
  t.is(res.status, 200);
  const tab = (await res.json()) as Tablero;
  const counts = await db('expedientes').select('estado').count('* as n').groupBy('estado');
  for (const { estado, n } of counts) t.is(tab.porEstado.find((e) => e.estado === estado)!.total, Number(n), String(estado));
  const oaj = tab.porUnidad.find((u) => u.unidad === 'OAJ')!;
  const [{ n: oajPorRecibir }] = await db('expedientes').where({ unidad: 'OAJ', estado: 'DERIVADO', recibido: false }).count('* as n');
  t.is(oaj.porRecibir, Number(oajPorRecibir));
  t.true(oaj.vencidos >= 1);
  const ui = `${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`;
  t.is(oaj.temporalUrl, `${ui}?query=${encodeURIComponent('Unidad = "OAJ" AND ExecutionStatus = "Running"')}`);
  t.is(tab.porEstado.find((e) => e.estado === 'DERIVADO')!.temporalUrl, `${ui}?query=${encodeURIComponent('Estado = "DERIVADO"')}`);
  t.is(tab.vencidos.temporalUrl, `${ui}?query=${encodeURIComponent('Vencido = true AND ExecutionStatus = "Running"')}`);

  const listed = tab.vencidos.expedientes.find((e) => e.numero === vencido)!;
  const [n, year] = vencido.split('-');
  t.is(listed.workflowUrl, `${ui}/expediente-${year}-${n}`);
  t.is(tab.diasSinAccion, config.supervision.diasSinAccion);
  const idle = tab.sinAccion.expedientes.map((e) => e.numero);
  t.true(idle.includes(quieto));
  t.false(idle.includes(reciente));
  t.true(tab.sinAccion.expedientes.find((e) => e.numero === quieto)!.diasSinAccion >= config.supervision.diasSinAccion);
  t.deepEqual(await numeros(supervisor, 'sin-accion', tag), [quieto]);

  for (const c of [mesa, unidad, ciudadano]) t.is((await c.get('/api/v1/supervision/tablero')).status, 403);
});

// Uploads scanned by a real clamd (started by scripts/setup.mjs with a signature of our own for a
// marker text): an infected file is refused naming its signature and nothing of the request is
// stored or recorded; clamd unreachable refuses every upload (503); /ready reports the antivirus.
import anyTest, { type TestFn } from 'ava';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PDFDocument, PDFName, PDFString } from 'pdf-lib';
import { createApp } from '../http/app';
import { systemClock } from '../lib/clock';
import { offlineRegistry } from '../lib/identity-registry';
import { dbCalendar } from '../lib/business-calendar';
import { clamd, scanBuffer, ScannerUnavailable, ScanTooLarge } from '../lib/clamav';
import { required, startStack } from './helpers/stack';
import { actionMultipart, fileMultipart, loginAs, makePdf, type Client } from './helpers/http';
import { freePort } from './helpers/ports';
import { until } from './helpers/wait';

const MARKER = required('TEST_CLAMAV_MARKER');
const SIGNATURE = required('TEST_CLAMAV_SIGNATURE');
const STREAM_MAX = Number(required('TEST_CLAMAV_STREAM_MAX'));

type Stack = Awaited<ReturnType<typeof startStack>>;
interface Ctx {
  stack: Stack;
  ciudadano: Client;
  mesa: Client;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const stack = await startStack({ CLAMAV_URL: required('TEST_CLAMAV_URL') });
  t.context = { stack, ciudadano: await loginAs(stack.base, 'ciudadano@demo.pe'), mesa: await loginAs(stack.base, 'mesa@demo.gob.pe') };
});
test.after.always((t) => t.context.stack?.close());

// ---------------------------------------------------------------------------------------------
// Fixtures: real files that carry the marker where such files carry text.

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A real PDF with the marker as a literal string in its catalog (no object streams). */
async function infectedPdf(text: string) {
  const doc = await PDFDocument.create();
  doc.addPage().drawText(text, { x: 50, y: 780 });
  doc.catalog.set(PDFName.of('Nota'), PDFString.of(MARKER));
  return doc.save({ useObjectStreams: false });
}

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==', 'base64');

/** A 1×1 PNG with `text` in a tEXt chunk before IEND. */
function png(text: string) {
  const body = Buffer.concat([Buffer.from('tEXt'), Buffer.from(`Comment\0${text}`, 'latin1')]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  const iend = PNG.length - 12;
  return Buffer.concat([PNG.subarray(0, iend), chunk, PNG.subarray(iend)]);
}

// ---------------------------------------------------------------------------------------------
// What is in storage

/** Stored files (keys), without the temporary folder. */
async function storedKeys(stack: Stack) {
  const keys: string[] = [];
  for (const sub of await readdir(stack.storageDir)) if (sub !== 'tmp') keys.push(...(await readdir(join(stack.storageDir, sub))));
  return keys.sort();
}
const tmpFiles = (stack: Stack) => readdir(join(stack.storageDir, 'tmp')).catch(() => [] as string[]);

const expedienteCount = async (stack: Stack) => Number((await stack.db('expedientes').count<{ count: string }[]>('* as count'))[0].count);

/**
 * Waits until the worker has printed every cargo and constancia: then nothing else is being
 * written to storage, and its files can be counted.
 */
async function quiet(stack: Stack) {
  await until(async () => {
    const [cargos] = await stack.db('expedientes').whereNull('cargo_key').count<{ count: string }[]>('* as count');
    const [constancias] = await stack.db('notificaciones').whereNull('constancia_sha256').count<{ count: string }[]>('* as count');
    return Number(cargos.count) + Number(constancias.count) === 0;
  });
}

/** Files a clean case (a new PDF, and `anexos`); its number. */
async function fileClean(t: { context: Ctx }, asunto: string, anexos: { name: string; data: Uint8Array; type?: string }[] = []) {
  const { stack, ciudadano } = t.context;
  const r = await fileMultipart(stack.base, ciudadano, { asunto }, { principal: await makePdf(1, asunto), anexos });
  if (r.status !== 201) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
  return r.body.numero as string;
}
const sequence = (numero: string) => Number(numero.split('-')[0]);

/** The same app on the same database and storage, with another CLAMAV_URL (undefined: none). */
async function appWithClamav(t: { context: Ctx; teardown: (fn: () => unknown) => void }, url: string | undefined) {
  const { stack } = t.context;
  const config = { ...stack.config, clamav: { ...stack.config.clamav, url } };
  const app = createApp({ db: stack.db, temporal: stack.client, config, clock: systemClock, identity: offlineRegistry(), storage: stack.storage, calendar: dbCalendar(stack.db, config), starter: stack.starter, pdf: stack.pdf });
  const server: Server = await new Promise((res) => {
    const s = app.listen(0, '127.0.0.1', () => res(s));
  });
  t.teardown(() => new Promise((res) => server.close(res)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// ClamAV names a signature from outside its official databases `<name>.UNOFFICIAL`.
const infectedMessage = (file: string) => `El archivo «${file}» contiene software malicioso (${SIGNATURE}.UNOFFICIAL) y no fue aceptado.`;

// ---------------------------------------------------------------------------------------------
// lib/clamav.ts against the real clamd

test('INSTREAM: a clean stream is OK, one with the marker is FOUND with its signature', async (t) => {
  const scanner = clamd(required('TEST_CLAMAV_URL'), 10_000);
  t.deepEqual(await scanBuffer(scanner, Buffer.from('Solicito copia certificada de la resolución.')), { clean: true });
  // Across chunks: the marker straddles the first 64 KB boundary.
  const data = Buffer.concat([Buffer.alloc(64 * 1024 - 10, 0x2e), Buffer.from(MARKER), Buffer.alloc(1000, 0x2e)]);
  t.deepEqual(await scanBuffer(scanner, data), { clean: false, signature: `${SIGNATURE}.UNOFFICIAL` });
});

test('INSTREAM: a stream beyond StreamMaxLength is refused as too large', async (t) => {
  const scanner = clamd(required('TEST_CLAMAV_URL'), 10_000);
  await t.throwsAsync(scanBuffer(scanner, Buffer.alloc(STREAM_MAX + 1024 * 1024, 0x2e)), { instanceOf: ScanTooLarge });
  // Just over: clamd's own reply says so.
  await t.throwsAsync(scanBuffer(scanner, Buffer.alloc(STREAM_MAX + 1, 0x2e)), { instanceOf: ScanTooLarge });
});

test('PING answers PONG; a closed port is unavailable, for PING and for a scan', async (t) => {
  t.true(await clamd(required('TEST_CLAMAV_URL'), 10_000).ping());
  const dead = clamd(`tcp://127.0.0.1:${await freePort()}`, 10_000);
  t.false(await dead.ping());
  await t.throwsAsync(scanBuffer(dead, Buffer.from('hola')), { instanceOf: ScannerUnavailable });
});

// ---------------------------------------------------------------------------------------------
// Filing (serial: they count files in storage and take numbers)

test.serial('a clean filing with a PDF and a PNG anexo is scanned and accepted', async (t) => {
  const { stack } = t.context;
  const anexo = png('Foto del local');
  const numero = await fileClean(t, 'Solicito licencia con foto', [{ name: 'local.png', data: anexo, type: 'image/png' }]);
  t.regex(numero, /^\d{5}-\d{4}$/);
  t.true((await storedKeys(stack)).includes(sha256(anexo)));
});

test.serial('an infected anexo → 422 naming file and signature; no case, no file, no number taken', async (t) => {
  const { stack, ciudadano } = t.context;
  const first = await fileClean(t, 'Antes del archivo infectado');
  await quiet(stack);
  const cases = await expedienteCount(stack);
  const stored = await storedKeys(stack);

  const principal = await makePdf(1, 'Principal limpio de un envío rechazado');
  const anexo = png(MARKER);
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Con un anexo infectado' }, {
    principal,
    anexos: [
      { name: 'plano.pdf', data: await makePdf(1, 'Plano limpio'), type: 'application/pdf' },
      { name: 'foto.png', data: anexo, type: 'image/png' },
    ],
  });
  t.is(r.status, 422, JSON.stringify(r.body));
  t.is(r.body.error.code, 'ARCHIVO_INFECTADO');
  t.is(r.body.error.message, infectedMessage('foto.png'));
  t.is(r.body.error.campo, 'anexos');

  t.is(await expedienteCount(stack), cases);
  // Not the infected file, nor the clean ones sent with it.
  t.deepEqual(await storedKeys(stack), stored);
  t.false(stored.includes(sha256(anexo)));
  t.false(stored.includes(sha256(principal)));
  t.deepEqual(await tmpFiles(stack), []);

  const next = await fileClean(t, 'Después del archivo infectado');
  t.is(sequence(next), sequence(first) + 1);
});

test.serial('an infected principal document → 422 naming it; nothing stored', async (t) => {
  const { stack, ciudadano } = t.context;
  await quiet(stack);
  const cases = await expedienteCount(stack);
  const stored = await storedKeys(stack);
  const principal = await infectedPdf('Solicitud');
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Principal infectado' }, { principal, principalName: 'solicitud firmada.pdf' });
  t.is(r.status, 422, JSON.stringify(r.body));
  t.is(r.body.error.message, infectedMessage('solicitud firmada.pdf'));
  t.is(r.body.error.campo, 'principal');
  t.is(await expedienteCount(stack), cases);
  t.deepEqual(await storedKeys(stack), stored);
  t.deepEqual(await tmpFiles(stack), []);
});

test.serial('an infected file in a subsanación → 422; no document recorded, the case still observed', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const numero = await fileClean(t, 'Para subsanar con un archivo infectado');
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Adjunte el plano de ubicación' })).status, 200);
  // The observation's constancia is printed and stored in the background: once it is, the only
  // files and rows that can appear are the subsanación's (a .part seen here was the constancia's).
  await quiet(stack);
  const exp = await stack.db('expedientes').where({ numero }).first('id', 'estado');
  t.is(exp.estado, 'OBSERVADO');
  const documentos = await stack.db('documentos').where({ expediente_id: exp.id }).count<{ count: string }[]>('* as count');
  const historial = await stack.db('historial').where({ expediente_id: exp.id }).count<{ count: string }[]>('* as count');

  const limpio = await makePdf(1, 'Plano de ubicación limpio');
  const infectado = await infectedPdf('Plano de ubicación');
  const r = await actionMultipart(stack.base, ciudadano, numero, 'subsanar', { nota: 'Adjunto el plano' }, [
    { field: 'documentos', name: 'plano.pdf', data: limpio },
    { field: 'documentos', name: 'plano-2.pdf', data: infectado },
  ]);
  t.is(r.status, 422, JSON.stringify(r.body));
  t.is(r.body.error.message, infectedMessage('plano-2.pdf'));

  t.deepEqual(await stack.db('documentos').where({ expediente_id: exp.id }).count('* as count'), documentos);
  t.deepEqual(await stack.db('historial').where({ expediente_id: exp.id }).count('* as count'), historial);
  t.is((await stack.db('expedientes').where({ numero }).first('estado')).estado, 'OBSERVADO');
  const stored = await storedKeys(stack);
  t.false(stored.includes(sha256(limpio)));
  t.false(stored.includes(sha256(infectado)));
  t.deepEqual(await tmpFiles(stack), []);
});

test.serial('scanning on, a request refused for another reason stores none of its clean files either', async (t) => {
  const { stack, ciudadano } = t.context;
  await quiet(stack);
  const stored = await storedKeys(stack);
  const principal = await makePdf(1, 'Principal limpio con un anexo mal nombrado');
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Anexo que no es lo que dice' }, { principal, anexos: [{ name: 'foto.png', data: await makePdf(1, 'No soy una imagen') }] });
  t.is(r.status, 422, JSON.stringify(r.body));
  t.is(r.body.error.message, 'El archivo «foto.png» no es una imagen PNG válida.');
  t.deepEqual(await storedKeys(stack), stored);
  t.deepEqual(await tmpFiles(stack), []);
});

test.serial('a file larger than clamd accepts (its StreamMaxLength) → 413 naming it; nothing stored', async (t) => {
  const { stack, ciudadano } = t.context;
  await quiet(stack);
  const cases = await expedienteCount(stack);
  const stored = await storedKeys(stack);
  // Within the filing's own limit (20 MB), beyond the test clamd's 10 MB.
  const big = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(STREAM_MAX + 1024 * 1024, 0x20)]);
  const r = await fileMultipart(stack.base, ciudadano, { asunto: 'Principal muy grande' }, { principal: big, principalName: 'expediente-tecnico.pdf' });
  t.is(r.status, 413, JSON.stringify(r.body));
  t.is(r.body.error.message, 'El archivo «expediente-tecnico.pdf» es más grande de lo que el antivirus puede revisar y no fue aceptado.');
  t.is(await expedienteCount(stack), cases);
  t.deepEqual(await storedKeys(stack), stored);
  t.deepEqual(await tmpFiles(stack), []);
});

test.serial('clamd unreachable → 503, nothing stored (fail closed)', async (t) => {
  const { stack, ciudadano } = t.context;
  await quiet(stack);
  const base = await appWithClamav(t, `tcp://127.0.0.1:${await freePort()}`);
  const cases = await expedienteCount(stack);
  const stored = await storedKeys(stack);
  const principal = await makePdf(1, 'Sin antivirus no se acepta');
  const r = await fileMultipart(base, ciudadano, { asunto: 'Con el antivirus caído' }, { principal });
  t.is(r.status, 503, JSON.stringify(r.body));
  t.is(r.body.error.message, 'No se pudo verificar los archivos, intente en unos minutos.');
  t.is(await expedienteCount(stack), cases);
  t.deepEqual(await storedKeys(stack), stored);
  t.deepEqual(await tmpFiles(stack), []);
});

// ---------------------------------------------------------------------------------------------
// /ready

test('/ready says the antivirus is ok when clamd answers PING', async (t) => {
  const r = await fetch(`${t.context.stack.base}/ready`);
  t.is(r.status, 200);
  t.deepEqual(await r.json(), { status: 'ok', antivirus: 'ok' });
});

test('/ready says desactivado without CLAMAV_URL', async (t) => {
  const base = await appWithClamav(t, undefined);
  const r = await fetch(`${base}/ready`);
  t.is(r.status, 200);
  t.deepEqual(await r.json(), { status: 'ok', antivirus: 'desactivado' });
});

test('/ready is not ready when clamd does not answer', async (t) => {
  const base = await appWithClamav(t, `tcp://127.0.0.1:${await freePort()}`);
  const r = await fetch(`${base}/ready`);
  t.is(r.status, 503);
  const body = (await r.json()) as { antivirus: string; caidos: string[] };
  t.is(body.antivirus, 'no disponible');
  t.deepEqual(body.caidos, ['antivirus']);
});

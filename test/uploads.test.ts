// Streaming multipart uploads: limits while streaming, types by content, safe names, nothing
// left behind when a request is refused or the client goes away. Fixtures are generated here.
import test, { type ExecutionContext } from 'ava';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { AppError } from '../services/errors';
import { ANEXO_EXTENSIONS, sanitizeFilename, type UploadRules } from '../domain/archivos';
import type { UploadedFile } from '../services/expedientes/uploads';
import { parseMultipart, pdfPageCount, UploadAborted } from '../http/uploads';
import { localStorage, type Storage } from '../lib/storage';

// ---------------------------------------------------------------------------------------------
// Fixtures

async function makePdf(pages = 2): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([595, 842]).drawText(`Pagina ${i + 1}`, { x: 50, y: 800 });
  return Buffer.from(await doc.save());
}

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==',
  'base64',
);
const EMPTY_ZIP = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18)]);
const CFB = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(1024)]);
const EXE = Buffer.concat([Buffer.from('MZ', 'latin1'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), randomBytes(2000)]);

function crc32(data: Buffer) {
  let crc = ~0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A real zip with stored (uncompressed) entries. */
function makeZip(entries: [string, string][]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const nameBuf = Buffer.from(name);
    const data = Buffer.from(text);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += local.length + nameBuf.length + data.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

const DOCX = makeZip([
  [
    '[Content_Types].xml',
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
  ],
  ['word/document.xml', '<w:document/>'],
]);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------------------------------------
// A plain HTTP server per test around parseMultipart

const KB = 1024;

function rules(over: Partial<{ principal: number; first: number; other: number; maxAnexos: number }> = {}): UploadRules {
  const o = { principal: 20 * KB, first: 30 * KB, other: 5 * KB, maxAnexos: 5, ...over };
  return {
    files: {
      principal: { maxCount: 1, maxBytes: () => o.principal, allowed: ['pdf'], label: 'documento principal' },
      anexos: {
        maxCount: o.maxAnexos,
        maxBytes: (i) => (i === 0 ? o.first : o.other),
        allowed: ANEXO_EXTENSIONS,
        label: 'anexos',
      },
    },
  };
}

type Outcome = { ok: true; value: Awaited<ReturnType<typeof parseMultipart>> } | { ok: false; error: unknown };

async function serve(t: ExecutionContext, uploadRules: UploadRules = rules()) {
  const dir = await mkdtemp(join(tmpdir(), 'mpv-uploads-'));
  const storage = localStorage(dir);
  const outcomes: Promise<Outcome>[] = [];
  const server = createServer((req, res) => {
    const parsing = parseMultipart(req, storage, uploadRules);
    outcomes.push(parsing.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error })));
    parsing.then(
      (value) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      },
      (err: unknown) => {
        const http = err instanceof AppError ? err : undefined;
        if (res.destroyed) return;
        res.writeHead(http?.status ?? 500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { code: http?.code ?? 'ERROR_INTERNO', message: http?.message ?? String(err), campo: http?.field } }));
      },
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    await rm(dir, { recursive: true, force: true });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    dir,
    storage,
    outcomes,
    /** Temporary files of puts (finished or not). */
    tmpFiles: () => readdir(join(dir, 'tmp')).catch(() => [] as string[]),
    /** Everything under the storage dir except the tmp dir: stored files. */
    storedFiles: async () => {
      const out: string[] = [];
      for (const sub of await readdir(dir)) if (sub !== 'tmp') out.push(...(await readdir(join(dir, sub))));
      return out;
    },
  };
}

type Part = [field: string, value: string | Buffer, filename?: string];

async function post(url: string, parts: Part[]) {
  const form = new FormData();
  for (const [field, value, filename] of parts) {
    if (typeof value === 'string' && filename === undefined) form.append(field, value);
    else form.append(field, new Blob([typeof value === 'string' ? value : new Uint8Array(value)]), filename);
  }
  const res = await fetch(url, { method: 'POST', body: form });
  return { status: res.status, body: (await res.json()) as { fields: Record<string, string>; files: UploadedFile[]; error: { code: string; message: string; campo?: string } } };
}

/** A hand-written multipart body, for what FormData would not send. */
async function postRaw(url: string, parts: { headers: string; body: Buffer | string }[]) {
  const boundary = '----mpv' + randomBytes(8).toString('hex');
  const chunks: Buffer[] = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${p.headers}\r\n\r\n`, 'utf8'), Buffer.from(p.body), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body: Buffer.concat(chunks),
  });
  return { status: res.status, body: (await res.json()) as { fields: Record<string, string>; files: UploadedFile[]; error: { code: string; message: string; campo?: string } } };
}

// ---------------------------------------------------------------------------------------------

test('a PDF and two anexos are stored by SHA-256, typed by content, with the page count', async (t) => {
  const s = await serve(t);
  const pdf = await makePdf(2);
  const res = await post(s.url, [
    ['asunto', 'Solicito acceso a la información pública'],
    ['folios', '3'],
    ['principal', pdf, 'solicitud.pdf'],
    ['anexos', PNG, 'foto.PNG'],
    ['anexos', EMPTY_ZIP, 'sustento.zip'],
  ]);
  t.is(res.status, 200, JSON.stringify(res.body));
  t.deepEqual(res.body.fields, { asunto: 'Solicito acceso a la información pública', folios: '3' });
  const files = res.body.files as UploadedFile[];
  t.deepEqual(files, [
    { field: 'principal', filename: 'solicitud.pdf', key: sha256(pdf), size: pdf.length, mime: 'application/pdf', ext: 'pdf', paginas: 2 },
    { field: 'anexos', filename: 'foto.PNG', key: sha256(PNG), size: PNG.length, mime: 'image/png', ext: 'png' },
    { field: 'anexos', filename: 'sustento.zip', key: sha256(EMPTY_ZIP), size: EMPTY_ZIP.length, mime: 'application/zip', ext: 'zip' },
  ]);
  for (const f of files) t.true(await s.storage.exists(f.key));
  t.deepEqual(await s.storage.read(files[0].key), pdf);
  t.deepEqual(await s.tmpFiles(), []);
});

test('Word (OOXML and old OLE) anexos are recognised; a browser’s empty file input is skipped', async (t) => {
  const s = await serve(t);
  const pdf = await makePdf(1);
  const res = await post(s.url, [
    ['principal', pdf, 'a.pdf'],
    ['anexos', DOCX, 'informe.docx'],
    ['anexos', CFB, 'antiguo.doc'],
    ['anexos', Buffer.alloc(0), ''], // <input type=file> left empty
  ]);
  t.is(res.status, 200, JSON.stringify(res.body));
  t.deepEqual(
    (res.body.files as UploadedFile[]).map((f) => [f.filename, f.mime, f.paginas]),
    [
      ['a.pdf', 'application/pdf', 1],
      ['informe.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', undefined],
      ['antiguo.doc', 'application/msword', undefined],
    ],
  );
});

test('a principal over its limit is refused with 413 naming the file, and nothing is left behind', async (t) => {
  const s = await serve(t, rules({ principal: 1 * KB }));
  const big = Buffer.concat([await makePdf(2), Buffer.from(`%${'x'.repeat(200 * KB)}\n`)]);
  const res = await post(s.url, [
    ['asunto', 'x'],
    ['principal', big, 'informe.pdf'],
    ['anexos', PNG, 'foto.png'],
  ]);
  t.is(res.status, 413);
  t.is(res.body.error.message, 'El archivo «informe.pdf» supera el límite de 1 KB.');
  t.is(res.body.error.campo, 'principal');
  t.is(res.body.error.code, 'DEMASIADO_GRANDE');
  t.deepEqual(await s.tmpFiles(), []);
  t.deepEqual(await s.storedFiles(), []);
});

test('anexo limits depend on the position: the first may be larger than the others', async (t) => {
  const s = await serve(t, rules({ first: 8 * KB, other: 2 * KB }));
  const pdf = await makePdf(1);
  const blob = Buffer.concat([Buffer.from('PK\x05\x06', 'latin1'), Buffer.alloc(18), randomBytes(4 * KB)]);
  const ok = await post(s.url, [
    ['principal', pdf, 'p.pdf'],
    ['anexos', blob, 'grande.zip'],
    ['anexos', PNG, 'chica.png'],
  ]);
  t.is(ok.status, 200, JSON.stringify(ok.body));
  const refused = await post(s.url, [
    ['principal', pdf, 'p.pdf'],
    ['anexos', PNG, 'chica.png'],
    ['anexos', blob, 'grande.zip'],
  ]);
  t.is(refused.status, 413);
  t.is(refused.body.error.message, 'El archivo «grande.zip» supera el límite de 2 KB.');
  t.is(refused.body.error.campo, 'anexos');
  t.deepEqual(await s.tmpFiles(), []);
});

test('the type comes from the content: a zip or an .exe named .pdf is refused with 422', async (t) => {
  const s = await serve(t);
  for (const [bytes, field] of [
    [EMPTY_ZIP, 'principal'],
    [EXE, 'principal'],
    [randomBytes(3000), 'anexos'],
  ] as const) {
    const res = await post(s.url, [[field, bytes, 'x.pdf']]);
    t.is(res.status, 422);
    t.is(res.body.error.message, 'El archivo «x.pdf» no es un PDF válido.');
    t.is(res.body.error.campo, field);
  }
  const png = await post(s.url, [['anexos', EMPTY_ZIP, 'foto.png']]);
  t.is(png.status, 422);
  t.is(png.body.error.message, 'El archivo «foto.png» no es una imagen PNG válida.');
  t.deepEqual(await s.tmpFiles(), []);
  t.deepEqual(await s.storedFiles(), []);
});

test('the principal document must be a PDF, whatever else anexos accept', async (t) => {
  const s = await serve(t);
  const res = await post(s.url, [['principal', PNG, 'foto.png']]);
  t.is(res.status, 422);
  t.is(res.body.error.message, 'Como documento principal solo se acepta un archivo PDF; «foto.png» no lo es.');
  const exe = await post(s.url, [['anexos', EXE, 'programa.exe']]);
  t.is(exe.status, 422);
  t.regex(exe.body.error.message, /«programa\.exe» no tiene un formato permitido \(pdf, png/);
});

test('more anexos than allowed → 400', async (t) => {
  const s = await serve(t);
  const parts: Part[] = [['principal', await makePdf(1), 'p.pdf']];
  for (let i = 1; i <= 6; i++) parts.push(['anexos', PNG, `foto${i}.png`]);
  const res = await post(s.url, parts);
  t.is(res.status, 400);
  t.is(res.body.error.message, 'Puede adjuntar hasta 5 anexos.');
  t.is(res.body.error.campo, 'anexos');
  const two = await post(s.url, [
    ['principal', await makePdf(1), 'a.pdf'],
    ['principal', await makePdf(1), 'b.pdf'],
  ]);
  t.is(two.status, 400);
  t.is(two.body.error.message, 'Solo se puede adjuntar un archivo como documento principal.');
  t.deepEqual(await s.tmpFiles(), []);
});

test('a file in an unknown field is refused', async (t) => {
  const s = await serve(t);
  const res = await post(s.url, [['virus', PNG, 'foto.png']]);
  t.is(res.status, 400);
  t.is(res.body.error.message, 'El formulario incluye un archivo no esperado («foto.png»).');
});

test('an empty file is refused and not stored', async (t) => {
  const s = await serve(t);
  const res = await post(s.url, [['principal', Buffer.alloc(0), 'vacío.pdf']]);
  t.is(res.status, 400);
  t.is(res.body.error.message, 'El archivo «vacío.pdf» está vacío.');
  t.deepEqual(await s.storedFiles(), []);
  t.deepEqual(await s.tmpFiles(), []);
});

test('names keep only the base name: path tricks are removed', async (t) => {
  const s = await serve(t);
  const pdf = await makePdf(1);
  const res = await postRaw(s.url, [
    { headers: 'Content-Disposition: form-data; name="anexos"; filename="../../etc/passwd.pdf"', body: pdf },
    { headers: 'Content-Disposition: form-data; name="anexos"; filename="C:\\x\\y.pdf"', body: pdf },
    { headers: 'Content-Disposition: form-data; name="anexos"; filename=".."', body: EMPTY_ZIP },
  ]);
  // '..' has no extension left, so it is not an allowed format
  t.is(res.status, 422);
  t.is(res.body.error.message, 'El archivo «archivo» no tiene un formato permitido (pdf, png, jpg, jpeg, docx, doc, xls, xlsx, zip, rar).');
  const ok = await postRaw(s.url, [
    { headers: 'Content-Disposition: form-data; name="anexos"; filename="../../etc/passwd.pdf"', body: pdf },
    { headers: 'Content-Disposition: form-data; name="anexos"; filename="C:\\x\\y.pdf"', body: pdf },
    { headers: 'Content-Disposition: form-data; name="anexos"; filename="/.pdf"', body: pdf },
  ]);
  t.is(ok.status, 200, JSON.stringify(ok.body));
  t.deepEqual(
    (ok.body.files as UploadedFile[]).map((f) => f.filename),
    ['passwd.pdf', 'y.pdf', 'archivo.pdf'],
  );
});

test('UTF-8 names are preserved (NFC)', async (t) => {
  const s = await serve(t);
  const name = 'Solicitud año 2026 – ñandú.pdf';
  const res = await post(s.url, [['principal', await makePdf(1), name]]);
  t.is(res.status, 200, JSON.stringify(res.body));
  t.is(res.body.files[0].filename, name);
  // decomposed (NFD) as macOS may send it → composed
  const nfd = await post(s.url, [['principal', await makePdf(1), 'año.pdf'.normalize('NFD')]]);
  t.is(nfd.body.files[0].filename, 'año.pdf');
});

test('sanitizeFilename', (t) => {
  t.is(sanitizeFilename('../../etc/passwd.pdf'), 'passwd.pdf');
  t.is(sanitizeFilename('C:\\x\\y.pdf'), 'y.pdf');
  t.is(sanitizeFilename('C:y.pdf'), 'y.pdf');
  t.is(sanitizeFilename('a\u0000b\u0007c.pdf'), 'abc.pdf');
  t.is(sanitizeFilename('informe\u202Efdp.exe'), 'informefdp.exe');
  t.is(sanitizeFilename('..'), 'archivo');
  t.is(sanitizeFilename(''), 'archivo');
  t.is(sanitizeFilename(undefined), 'archivo');
  t.is(sanitizeFilename('.pdf'), 'archivo.pdf');
  t.is(sanitizeFilename('  informe  final .pdf.. '), 'informe final.pdf');
  t.is(sanitizeFilename('informe:b*c?.pdf'), 'informe_b_c_.pdf');
  const long = sanitizeFilename(`${'ñ'.repeat(300)}.docx`);
  t.is([...long].length, 150);
  t.true(long.endsWith('ñ.docx'));
  t.is([...sanitizeFilename('😀'.repeat(200))].length, 150); // never splits a surrogate pair
});

test('anything but multipart/form-data → 415', async (t) => {
  const s = await serve(t);
  const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  t.is(res.status, 415);
  t.is(((await res.json()) as { fields: Record<string, string>; files: UploadedFile[]; error: { code: string; message: string; campo?: string } }).error.message, 'Envíe el formulario como multipart/form-data.');
  const noBoundary = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'x' });
  t.is(noBoundary.status, 400);
});

test('text field limits: too long → 400, too many → 413, repeated → last value', async (t) => {
  const s = await serve(t, { ...rules(), maxFields: 3, maxFieldBytes: 100 });
  const long = await post(s.url, [['asunto', 'a'.repeat(101)]]);
  t.is(long.status, 400);
  t.is(long.body.error.message, 'El campo «asunto» supera el máximo de 100 bytes.');
  t.is(long.body.error.campo, 'asunto');
  const many = await post(s.url, [
    ['a', '1'],
    ['b', '2'],
    ['c', '3'],
    ['d', '4'],
  ]);
  t.is(many.status, 413);
  t.is(many.body.error.message, 'El formulario tiene demasiados campos (máximo 3).');
  const repeated = await post(s.url, [
    ['a', '1'],
    ['a', '2'],
    ['__proto__', 'x'],
  ]);
  t.is(repeated.status, 200);
  t.is(repeated.body.fields.a, '2');
  t.is(Object.getPrototypeOf(repeated.body.fields), Object.prototype);
});

test('a truncated body (no closing boundary) → 400, nothing left in tmp', async (t) => {
  const s = await serve(t);
  const boundary = 'XyZ';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="principal"; filename="a.pdf"\r\n\r\n`),
    await makePdf(1),
  ]);
  const res = await fetch(s.url, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, body });
  t.is(res.status, 400);
  t.is(((await res.json()) as { fields: Record<string, string>; files: UploadedFile[]; error: { code: string; message: string; campo?: string } }).error.message, 'El formulario llegó incompleto o mal formado.');
  t.deepEqual(await s.tmpFiles(), []);
  t.deepEqual(await s.storedFiles(), []);
});

test('a client that disconnects mid-upload: the parse rejects and no temporary file remains', async (t) => {
  const s = await serve(t, rules({ principal: 50 * 1024 * KB }));
  const boundary = 'corte';
  const req = request({
    host: '127.0.0.1',
    port: s.port,
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(10 * 1024 * KB) },
  });
  req.on('error', () => {});
  req.write(`--${boundary}\r\nContent-Disposition: form-data; name="principal"; filename="grande.pdf"\r\n\r\n`);
  req.write(Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(512 * KB, 0x20)]));
  // Wait until the server is writing the file to disk, then hang up.
  const deadline = Date.now() + 10_000;
  while ((await s.tmpFiles()).length === 0) {
    if (Date.now() > deadline) return t.fail('the upload never reached the storage');
    await new Promise((ok) => setTimeout(ok, 10));
  }
  req.destroy();
  while (s.outcomes.length === 0) await new Promise((ok) => setTimeout(ok, 10));
  const outcome = await s.outcomes[0];
  t.false(outcome.ok);
  t.true(!outcome.ok && outcome.error instanceof UploadAborted);
  t.deepEqual(await s.tmpFiles(), []);
  t.deepEqual(await s.storedFiles(), []);
});

test('pdfPageCount: counts pages; garbage → 422; one PDF at a time still answers everyone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mpv-pdf-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const storage: Storage = localStorage(dir);
  const three = await storage.putBuffer(await makePdf(3));
  const garbage = await storage.putBuffer(Buffer.from('%PDF-1.7 garbage'));
  const err = await t.throwsAsync(pdfPageCount(storage, garbage.key), { instanceOf: AppError });
  t.is(err!.status, 422);
  t.is(err!.message, 'El PDF está dañado o no se puede leer.');
  const counts = await Promise.all([
    pdfPageCount(storage, three.key),
    pdfPageCount(storage, garbage.key).catch(() => -1),
    pdfPageCount(storage, three.key),
  ]);
  t.deepEqual(counts, [3, -1, 3]);
});

test('an unreadable PDF is accepted without paginas, or refused when the rule asks for it', async (t) => {
  const garbage = Buffer.from('%PDF-1.7 garbage');
  const lenient = await serve(t);
  const res = await post(lenient.url, [['principal', garbage, 'roto.pdf']]);
  t.is(res.status, 200, JSON.stringify(res.body));
  t.is(res.body.files[0].paginas, undefined);
  const strictRules = rules();
  strictRules.files.principal.requireReadablePdf = true;
  const strict = await serve(t, strictRules);
  const refused = await post(strict.url, [['principal', garbage, 'roto.pdf']]);
  t.is(refused.status, 422);
  t.is(refused.body.error.message, 'El PDF «roto.pdf» está dañado o no se puede leer.');
});

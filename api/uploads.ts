// Streaming multipart/form-data for the filing endpoints (DESIGN.md "Files"): every file part
// streams straight into `Storage.put`, which hashes it and enforces the size limit while
// streaming, so memory stays flat whatever the size. Only the first bytes of each file are
// kept (to recognise its type by content) and text fields up to `maxFieldBytes`.
//
// With an antivirus (CLAMAV_URL), each file is also streamed to clamd as it is stored, and stays a
// temporary file until every file of the request is known clean: an infected file is refused
// (422), and so is every upload while clamd cannot answer (503).
//
// What is left on disk when a request is refused:
// - the file being streamed when the refusal happens (too large, wrong type, empty, infected,
//   client gone) never becomes a stored file: `Storage.put` removes its temporary file, and the
//   promise returned here only rejects after every `put` of the request has settled;
// - with an antivirus, neither do the other files of the request (they wait for the verdicts);
// - without one, files of the same request that were already stored completely are NOT deleted.
//   Storage is content-addressed (key = SHA-256), so another expediente may reference the very
//   same key; deleting here could break it. Unreferenced keys are a sweeper's business.
import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import busboy from 'busboy';
import { fileTypeFromBuffer } from 'file-type';
import { PDFDocument } from 'pdf-lib';
import { TooLarge, type RangeHandle, type Storage } from '../lib/storage';
import { ScannerUnavailable, ScanTooLarge, type AntivirusScanner, type StreamScan } from '../lib/clamav';
import { countPdfPages } from '../lib/pdf-pages';
import { HttpError } from './errors';
import { deferredCsrf } from './auth/csrf';

export interface UploadedFile {
  field: string;
  /** Sanitised original name (see `sanitizeFilename`). */
  filename: string;
  /** SHA-256 of the content, hex: the storage key. */
  key: string;
  size: number;
  /** Recognised by content, not by the name or the part's Content-Type. */
  mime: string;
  /** The declared extension, lower case, already checked against the content. */
  ext: string;
  /** Page count, for PDFs whose page tree can be read. */
  paginas?: number;
}

export interface FileRule {
  maxCount: number;
  /** Size limit of the `index`-th file (0-based) of this field. */
  maxBytes: (index: number) => number;
  /** Extensions, lower case, without the dot. */
  allowed: readonly string[];
  /** How a person calls these files, in plural for maxCount > 1: 'anexos', 'documento principal'. */
  label: string;
  /** Refuse (422) a PDF whose pages pdf-lib cannot read; by default `paginas` is just left out. */
  requireReadablePdf?: boolean;
}

export interface UploadRules {
  files: Record<string, FileRule>;
  /** Text fields per request (default 50). */
  maxFields?: number;
  /** Bytes per text field (default 64 KB). */
  maxFieldBytes?: number;
}

export const ANEXO_EXTENSIONS = ['pdf', 'png', 'jpg', 'jpeg', 'docx', 'doc', 'xls', 'xlsx', 'zip', 'rar'] as const;

const DEFAULT_MAX_FIELDS = 50;
const DEFAULT_MAX_FIELD_BYTES = 64 * 1024;
/** Bytes kept from the start of each file for type detection (file-type's own sample size). */
const HEAD_BYTES = 4100;
const MAX_NAME_CHARS = 150;
/** Bytes kept from each end of a PDF while it streams: its page count is usually read from them. */
const EDGE_BYTES = 64 * 1024;

interface FileEdges {
  size: number;
  head: Buffer;
  tail: Buffer;
}

const invalid = (message: string, field?: string) => new HttpError(400, 'SOLICITUD_INVALIDA', message, field);
const refused = (message: string, field?: string) => new HttpError(422, 'ARCHIVO_INVALIDO', message, field);
const tooLarge = (message: string, field?: string) => new HttpError(413, 'DEMASIADO_GRANDE', message, field);
const unscanned = () => new HttpError(503, 'ANTIVIRUS_NO_DISPONIBLE', 'No se pudo verificar los archivos, intente en unos minutos.');

/** The client went away before the form was complete. */
export class UploadAborted extends HttpError {
  constructor() {
    super(400, 'CARGA_INTERRUMPIDA', 'La carga del formulario se interrumpió antes de terminar.');
  }
}

// ---------------------------------------------------------------------------------------------
// Types by content

interface Format {
  /** What the content must be detected as (file-type's `ext`). */
  detected: readonly string[];
  mime: string;
  /** '«x» no es …' */
  what: string;
}

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const JPEG: Format = { detected: ['jpg'], mime: 'image/jpeg', what: 'una imagen JPEG válida' };

// A declared extension and what its content may be detected as. OOXML files are zip archives:
// file-type names them docx/xlsx when `[Content_Types].xml` comes within the first bytes (Word,
// Excel), but some producers (LibreOffice) write it last, and then the head only says "zip".
// Old Office files (.doc, .xls) are OLE compound files: file-type says "cfb" for both, so the
// name tells which. A real .zip that happens to be an OOXML document is still a zip.
const FORMATS: Record<string, Format> = {
  pdf: { detected: ['pdf'], mime: 'application/pdf', what: 'un PDF válido' },
  png: { detected: ['png', 'apng'], mime: 'image/png', what: 'una imagen PNG válida' },
  jpg: JPEG,
  jpeg: JPEG,
  docx: { detected: ['docx', 'zip'], mime: DOCX, what: 'un documento de Word válido' },
  xlsx: { detected: ['xlsx', 'zip'], mime: XLSX, what: 'una hoja de cálculo de Excel válida' },
  doc: { detected: ['cfb'], mime: 'application/msword', what: 'un documento de Word válido' },
  xls: { detected: ['cfb'], mime: 'application/vnd.ms-excel', what: 'una hoja de cálculo de Excel válida' },
  zip: { detected: ['zip', 'docx', 'xlsx', 'pptx'], mime: 'application/zip', what: 'un archivo ZIP válido' },
  rar: { detected: ['rar'], mime: 'application/vnd.rar', what: 'un archivo RAR válido' },
};

async function detect(head: Buffer) {
  try {
    return await fileTypeFromBuffer(head);
  } catch {
    return undefined; // a head that confuses a parser is simply not recognised
  }
}

/** The mime of a file named with `ext` whose first bytes are `head`; throws 422 when they disagree. */
async function checkContent(head: Buffer, ext: string, filename: string, field: string): Promise<string> {
  const found = await detect(head);
  const format = FORMATS[ext];
  if (format) {
    if (found && format.detected.includes(found.ext)) return format.mime;
    throw refused(`El archivo «${filename}» no es ${format.what}.`, field);
  }
  // An extension a caller allowed beyond the known ones: the content must say the same.
  if (found && found.ext === ext) return found.mime;
  throw refused(`El contenido del archivo «${filename}» no corresponde a un archivo .${ext}.`, field);
}

// ---------------------------------------------------------------------------------------------
// Names and sizes

// C0/C1 control characters (NUL included) and bidirectional overrides ("informe\u202Efdp.exe").
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name shown in the cargo and used for downloads: the base name only (no directories, no
 * drive, no `..`), NFC, without control characters, at most 150 characters keeping the
 * extension, never empty ('archivo').
 */
export function sanitizeFilename(raw: string | undefined): string {
  let name = (raw ?? '').normalize('NFC').replace(INVISIBLE, '');
  name = name.split(/[\\/]/).pop() ?? '';
  name = name
    .replace(/^[a-zA-Z]:/, '') // 'C:informe.pdf'
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.\s]+$/, ''); // 'x.pdf.' and '..'
  const m = /^(.*)\.([^.\s]{1,16})$/.exec(name);
  let stem = m ? m[1] : name;
  const ext = m ? m[2] : '';
  const room = MAX_NAME_CHARS - (ext ? ext.length + 1 : 0);
  stem = Array.from(stem.replace(/^[.\s]+/, '')).slice(0, room).join('').replace(/[.\s]+$/, '');
  return `${stem || 'archivo'}${ext ? `.${ext}` : ''}`;
}

function extensionOf(filename: string) {
  const dot = filename.lastIndexOf('.');
  return dot < 0 ? '' : filename.slice(dot + 1).toLowerCase();
}

/** '20 MB', '1,5 MB', '64 KB' */
export function formatBytes(bytes: number) {
  const n = (v: number) => new Intl.NumberFormat('es-PE', { maximumFractionDigits: 1 }).format(v);
  if (bytes >= 1024 * 1024) return `${n(bytes / 1024 / 1024)} MB`;
  if (bytes >= 1024) return `${n(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}

// ---------------------------------------------------------------------------------------------
// One file part on its way to storage

class EmptyFile extends Error {}

/**
 * Passes the bytes through unchanged while keeping the first HEAD_BYTES; when it has them (or
 * the file ends sooner) it checks the type and holds the stream until it knows, so a refused
 * file fails before most of it is written. An empty file fails at the end, so `put` keeps nothing.
 */
class Sniffer extends Transform {
  private readonly head = Buffer.alloc(HEAD_BYTES);
  private headLen = 0;
  private total = 0;
  private checked = false;
  mime = '';
  /** For PDFs: the first and last bytes, where the page count is read from (see `edges`). */
  private readonly first: Buffer[] = [];
  private firstLen = 0;
  private last: Buffer[] = [];
  private lastLen = 0;

  constructor(
    private readonly check: (head: Buffer) => Promise<string>,
    private readonly keepEdges = false,
  ) {
    super();
  }

  private decide(cb: (err?: Error | null) => void) {
    this.checked = true;
    this.check(this.head.subarray(0, this.headLen)).then(
      (mime) => {
        this.mime = mime;
        cb();
      },
      (err: Error) => cb(err),
    );
  }

  private remember(chunk: Buffer) {
    if (this.firstLen < EDGE_BYTES) {
      const part = chunk.subarray(0, EDGE_BYTES - this.firstLen);
      this.first.push(Buffer.from(part));
      this.firstLen += part.length;
    }
    this.last.push(chunk);
    this.lastLen += chunk.length;
    while (this.lastLen - this.last[0].length >= EDGE_BYTES) this.lastLen -= this.last.shift()!.length;
  }

  /** The file's first and last EDGE_BYTES (at most), once it has been read whole. */
  edges(): FileEdges | undefined {
    if (!this.keepEdges) return undefined;
    const tail = Buffer.concat(this.last);
    return { size: this.total, head: Buffer.concat(this.first), tail: tail.subarray(Math.max(0, tail.length - EDGE_BYTES)) };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.total += chunk.length;
    if (this.keepEdges) this.remember(chunk);
    if (this.checked) return cb(null, chunk);
    const n = chunk.copy(this.head, this.headLen, 0, Math.min(chunk.length, HEAD_BYTES - this.headLen));
    this.headLen += n;
    if (this.headLen < HEAD_BYTES) return cb(null, chunk);
    this.decide((err) => (err ? cb(err) : cb(null, chunk)));
  }

  override _flush(cb: TransformCallback) {
    if (this.total === 0) return cb(new EmptyFile());
    if (this.checked) return cb();
    this.decide((err) => cb(err));
  }
}

/**
 * Passes the bytes through unchanged while streaming them to clamd. At the end it holds the file
 * until its verdict is known, and then until `release` (every file of the request clean): `put`
 * renames nothing before that, and a refused file fails, so `put` removes its temporary file.
 */
class Scan extends Transform {
  private readonly scan: StreamScan;
  /** Settles with this file's verdict: resolves when clean. */
  readonly clean: Promise<void>;
  private verdict!: { resolve: () => void; reject: (err: Error) => void };

  constructor(
    scanner: AntivirusScanner,
    private readonly filename: string,
    private readonly field: string,
    private readonly release: Promise<void>,
  ) {
    super();
    this.scan = scanner.start();
    this.clean = new Promise((resolve, reject) => (this.verdict = { resolve, reject }));
    this.clean.catch(() => undefined); // its failure reaches the request through `put`
  }

  /** What a refusal of clamd's means for the person uploading. */
  private refusal(err: unknown): Error {
    if (err instanceof ScanTooLarge) {
      console.warn(`[antivirus] «${this.filename}» supera el StreamMaxLength de clamd (${err.message})`);
      return tooLarge(`El archivo «${this.filename}» es más grande de lo que el antivirus puede revisar y no fue aceptado.`, this.field);
    }
    if (err instanceof ScannerUnavailable) {
      console.error(`[antivirus] no se pudo revisar «${this.filename}»: ${err.message}`);
      return unscanned();
    }
    return err as Error;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
    this.scan.write(chunk).then(
      () => cb(null, chunk),
      (err: unknown) => cb(this.refusal(err)),
    );
  }

  override _flush(cb: TransformCallback) {
    this.scan
      .end()
      .then((verdict) => {
        if (!verdict.clean) {
          console.warn(`[antivirus] «${this.filename}» rechazado: ${verdict.signature}`);
          throw new HttpError(422, 'ARCHIVO_INFECTADO', `El archivo «${this.filename}» contiene software malicioso (${verdict.signature}) y no fue aceptado.`, this.field);
        }
        this.verdict.resolve();
        return this.release;
      })
      .then(
        () => cb(),
        (err: unknown) => {
          const refusal = this.refusal(err);
          this.verdict.reject(refusal);
          cb(refusal);
        },
      );
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void) {
    this.scan.abort();
    this.verdict.reject(err ?? new Error('carga interrumpida'));
    cb(err);
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * Reads a multipart/form-data request: text fields as strings, files into `storage`.
 *
 * - Text fields: a repeated name keeps its last value (the filing forms have no multi-valued
 *   text fields; repeated values are not merged into arrays). Nameless fields are ignored.
 * - Files: only the fields named in `rules.files`, at most `maxCount` each, each within
 *   `maxBytes(index)`, with an allowed extension that agrees with the content. Returned in
 *   the order they were sent. A file part without a name and without content is what a browser
 *   sends for an empty file input: it is skipped.
 * - Errors are `HttpError`s with the Spanish message a person reads (415, 400, 413, 422);
 *   `UploadAborted` when the client goes away. On any error reading stops (the rest of the body
 *   is drained and discarded so the response can still be sent).
 * - With `antivirus`, every file is scanned while it is stored and the request resolves only
 *   when all are clean: 422 naming an infected file and its signature, 503 when clamd cannot
 *   answer; either way nothing of the request is stored.
 * - PDFs get `paginas` after the whole request has been read (one PDF parsed at a time).
 */
export async function parseMultipart(
  req: IncomingMessage,
  storage: Storage,
  rules: UploadRules,
  antivirus?: AntivirusScanner,
): Promise<{ fields: Record<string, string>; files: UploadedFile[] }> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    throw new HttpError(415, 'TIPO_NO_SOPORTADO', 'Envíe el formulario como multipart/form-data.');
  }
  const maxFields = rules.maxFields ?? DEFAULT_MAX_FIELDS;
  const maxFieldBytes = rules.maxFieldBytes ?? DEFAULT_MAX_FIELD_BYTES;
  const maxFiles = Object.values(rules.files).reduce((sum, r) => sum + r.maxCount, 0);

  let bb: busboy.Busboy;
  try {
    bb = busboy({
      headers: req.headers,
      defParamCharset: 'utf8', // file names as browsers send them (raw UTF-8), not latin1
      defCharset: 'utf8',
      preservePath: true, // sanitizeFilename does the stripping, in one place
      limits: {
        fields: maxFields,
        fieldSize: maxFieldBytes,
        // Per-field counts are checked here with a precise message; this only bounds the
        // parts a client can make us look at (empty file inputs count too).
        files: maxFiles + 10,
      },
    });
  } catch {
    throw invalid('El formulario multipart/form-data no indica su separador (boundary).');
  }

  const { fields, files, edges } = await receive(req, bb, storage, rules, maxFields, maxFieldBytes, deferredCsrf(req), antivirus);

  for (const file of files) {
    if (file.mime !== 'application/pdf') continue;
    try {
      file.paginas = await pdfPageCount(storage, file.key, edges.get(file.key));
    } catch (err) {
      if (rules.files[file.field]?.requireReadablePdf) {
        throw refused(`El PDF «${file.filename}» está dañado o no se puede leer.`, file.field);
      }
      if (!(err instanceof HttpError)) throw err;
    }
  }
  return { fields, files };
}

function receive(
  req: IncomingMessage,
  bb: busboy.Busboy,
  storage: Storage,
  rules: UploadRules,
  maxFields: number,
  maxFieldBytes: number,
  checkCsrf?: (fields: Record<string, string>) => void,
  antivirus?: AntivirusScanner,
): Promise<{ fields: Record<string, string>; files: UploadedFile[]; edges: Map<string, FileEdges> }> {
  return new Promise((resolve, reject) => {
    // A deferred CSRF check runs once, on the fields that came before the first file.
    let csrfPending = !!checkCsrf;
    const csrfOk = () => {
      if (!csrfPending) return true;
      csrfPending = false;
      try {
        checkCsrf!(Object.fromEntries(fields));
        return true;
      } catch (err) {
        fail(err);
        return false;
      }
    };
    const fields = new Map<string, string>();
    const edges = new Map<string, FileEdges>();
    const slots: (UploadedFile | undefined)[] = [];
    const tasks: Promise<void>[] = [];
    const streaming = new Set<Sniffer>();
    const counts = new Map<string, number>();
    let done = false;
    // With an antivirus: every file's verdict, and what lets the files become stored ones.
    const verdicts: Promise<void>[] = [];
    let release!: () => void;
    let withhold!: (err: unknown) => void;
    const released = new Promise<void>((resolve, reject) => ((release = resolve), (withhold = reject)));
    released.catch(() => undefined);

    const detach = () => {
      req.off('aborted', onAbort);
      req.off('close', onClose);
      req.off('error', onAbort);
    };

    const fail = (err: unknown) => {
      if (done) return;
      done = true;
      withhold(err);
      req.unpipe(bb);
      // Make every `put` in progress fail, so it removes its temporary file...
      for (const s of streaming) s.destroy(err as Error);
      bb.destroy();
      // ...and drain the rest of the body without storing it, so a response can still be sent.
      req.resume();
      // Reject only once every put has settled: then no temporary file of this request remains.
      void Promise.allSettled(tasks).then(() => {
        detach();
        reject(err);
      });
    };

    function onAbort() {
      fail(new UploadAborted());
    }
    function onClose() {
      if (!req.complete) onAbort();
    }
    req.on('aborted', onAbort);
    req.on('close', onClose);
    req.on('error', onAbort);

    bb.on('error', () => fail(invalid('El formulario llegó incompleto o mal formado.')));
    bb.on('fieldsLimit', () => fail(tooLarge(`El formulario tiene demasiados campos (máximo ${maxFields}).`)));
    bb.on('filesLimit', () => fail(invalid('El formulario incluye demasiados archivos.')));

    bb.on('field', (name, value, info) => {
      if (done) return;
      if (info.nameTruncated) return fail(invalid('El formulario tiene un nombre de campo demasiado largo.'));
      if (info.valueTruncated) {
        return fail(invalid(`El campo «${name}» supera el máximo de ${formatBytes(maxFieldBytes)}.`, name));
      }
      if (name) fields.set(name, value);
    });

    bb.on('file', (name, file, info) => {
      // Destroyed by busboy when the request fails: the outcome is reported by `fail`.
      file.on('error', () => undefined);
      if (done || !csrfOk()) {
        file.resume();
        return;
      }
      const rule = name && Object.hasOwn(rules.files, name) ? rules.files[name] : undefined;

      if (!info.filename) {
        // What a browser sends for an empty file input: skipped. With content, it is a client
        // that forgot the name; nothing to show in a cargo, so it is refused.
        tasks.push(
          new Promise<void>((settle) => {
            let bytes = 0;
            file.on('data', (chunk: Buffer) => (bytes += chunk.length));
            file.on('end', () => {
              if (bytes > 0) fail(invalid(`El archivo enviado en «${name}» no tiene nombre.`, name));
              settle();
            });
            file.on('error', () => settle());
          }),
        );
        return;
      }

      const filename = sanitizeFilename(info.filename);
      const refuse = (err: HttpError) => {
        file.resume();
        fail(err);
      };
      if (!rule) return refuse(invalid(`El formulario incluye un archivo no esperado («${filename}»).`, name));

      const index = counts.get(name) ?? 0;
      if (index >= rule.maxCount) {
        return refuse(
          invalid(
            rule.maxCount === 1
              ? `Solo se puede adjuntar un archivo como ${rule.label}.`
              : `Puede adjuntar hasta ${rule.maxCount} ${rule.label}.`,
            name,
          ),
        );
      }
      counts.set(name, index + 1);

      const ext = extensionOf(filename);
      if (!rule.allowed.includes(ext)) {
        return refuse(
          refused(
            rule.allowed.length === 1
              ? `Como ${rule.label} solo se acepta un archivo ${rule.allowed[0].toUpperCase()}; «${filename}» no lo es.`
              : `El archivo «${filename}» no tiene un formato permitido (${rule.allowed.join(', ')}).`,
            name,
          ),
        );
      }

      const maxBytes = rule.maxBytes(index);
      const sniffer = new Sniffer((head) => checkContent(head, ext, filename, name), ext === 'pdf');
      streaming.add(sniffer);
      // `put` may not be piping from it yet (it creates its directory first); its pipeline
      // still sees the error of a sniffer destroyed meanwhile.
      sniffer.on('error', () => undefined);
      file.on('error', (err) => sniffer.destroy(err));
      file.pipe(sniffer);
      let input: Transform = sniffer;
      if (antivirus) {
        const scan = new Scan(antivirus, filename, name, released);
        verdicts.push(scan.clean);
        sniffer.on('error', (err) => scan.destroy(err));
        input = sniffer.pipe(scan);
      }

      const slot = slots.push(undefined) - 1;
      tasks.push(
        storage
          .put(input, { maxBytes })
          .then(
            (stored) => {
              slots[slot] = { field: name, filename, key: stored.key, size: stored.size, mime: sniffer.mime, ext };
              const e = sniffer.edges();
              if (e) edges.set(stored.key, e);
            },
            (err: unknown) => {
              if (err instanceof TooLarge) {
                fail(tooLarge(`El archivo «${filename}» supera el límite de ${formatBytes(maxBytes)}.`, name));
              } else if (err instanceof EmptyFile) {
                fail(invalid(`El archivo «${filename}» está vacío.`, name));
              } else {
                fail(err);
              }
            },
          )
          .finally(() => streaming.delete(sniffer)),
      );
    });

    // busboy closes once every part was read and every file stream ended.
    bb.on('close', () => {
      if (done || !csrfOk()) return;
      void Promise.all(verdicts).then(release, () => undefined);
      void Promise.all(tasks).then(() => {
        if (done) return;
        done = true;
        detach();
        resolve({
          fields: Object.fromEntries(fields),
          files: slots.filter((f): f is UploadedFile => f !== undefined),
          edges,
        });
      });
    });

    req.pipe(bb);
  });
}

// ---------------------------------------------------------------------------------------------
// Pages

// Pages are counted from the PDF's cross-reference data by random access (lib/pdf-pages.ts): a
// few small reads whatever the size. Only a PDF that reader does not understand goes to pdf-lib,
// which holds the whole document in memory (bytes plus its object graph): one such PDF at a time
// per process, so several large ones arriving together do not multiply that.
let queue: Promise<unknown> = Promise.resolve();

function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Pages of a stored PDF. Encrypted PDFs are counted when their structure can be read. `edges`,
 * the file's first and last bytes kept while it streamed, answer most reads without touching
 * the disk.
 */
export async function pdfPageCount(storage: Storage, key: string, edges?: FileEdges): Promise<number> {
  let file: RangeHandle | undefined;
  const fromDisk = async (offset: number, length: number) => (file ??= await storage.openRanges(key)).read(offset, length);
  const read = async (offset: number, length: number) => {
    if (!edges) return fromDisk(offset, length);
    const end = Math.min(offset + length, edges.size);
    if (end <= edges.head.length) return edges.head.subarray(offset, end);
    const tailStart = edges.size - edges.tail.length;
    if (offset >= tailStart) return edges.tail.subarray(offset - tailStart, end - tailStart);
    return fromDisk(offset, length);
  };
  let pages: number | null;
  try {
    const size = edges?.size ?? (file = await storage.openRanges(key)).size;
    pages = await countPdfPages(read, size);
  } finally {
    await file?.close();
  }
  if (pages === null) pages = await oneAtATime(() => pdfLibPageCount(storage, key));
  if (pages < 1) throw refused('El PDF está dañado o no se puede leer.');
  return pages;
}

async function pdfLibPageCount(storage: Storage, key: string) {
  const bytes = await storage.read(key);
  try {
    const doc = await PDFDocument.load(bytes, { ignoreEncryption: true, updateMetadata: false });
    return doc.getPageCount();
  } catch {
    return 0;
  }
}

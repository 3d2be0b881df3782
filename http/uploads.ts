// Streaming multipart/form-data for the forms with files (DESIGN.md "Files"): every file part
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
//
// Which files a form accepts, and the name and type rules, are domain/archivos.ts; the PDF page
// count is lib/stored-pdf.ts.
import type { IncomingMessage } from 'node:http';
import type { Transform } from 'node:stream';
import busboy from 'busboy';
import type { Context } from 'koa';
import { TooLarge, type Storage } from '../lib/storage';
import { antivirusFor, type AntivirusScanner } from '../lib/clamav';
import { storedPdfPages, type FileEdges } from '../lib/stored-pdf';
import { formatLimit, ruleRefusal, sanitizeFilename, extensionOf, type UploadRules } from '../domain/archivos';
import type { AppDeps } from '../services/deps';
import { AppError } from '../services/errors';
import type { ReadUpload, Upload, UploadedFile } from '../services/expedientes/uploads';
import { EmptyFile, Scan, Sniffer, checkContent, refused, tooLarge } from './upload-streams';
import { deferredCsrf } from './auth/csrf';

const DEFAULT_MAX_FIELDS = 50;
const DEFAULT_MAX_FIELD_BYTES = 64 * 1024;

const invalid = (message: string, field?: string) => new AppError(400, 'SOLICITUD_INVALIDA', message, field);

/** The client went away before the form was complete. */
export class UploadAborted extends AppError {
  constructor() {
    super(400, 'CARGA_INTERRUMPIDA', 'La carga del formulario se interrumpió antes de terminar.');
  }
}

/** The request's multipart body as a use case reads it, with the configured antivirus. */
export function uploadReader(ctx: Context, deps: AppDeps): ReadUpload {
  return (rules) => parseMultipart(ctx.req, deps.storage, rules, antivirusFor(deps.config));
}

/** The reader when the request is multipart (an action's files are optional). */
export const optionalUpload = (ctx: Context, deps: AppDeps): ReadUpload | undefined => (ctx.is('multipart') ? uploadReader(ctx, deps) : undefined);

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
 * - Errors are `AppError`s with the Spanish message a person reads (415, 400, 413, 422);
 *   `UploadAborted` when the client goes away. On any error reading stops (the rest of the body
 *   is drained and discarded so the response can still be sent).
 * - With `antivirus`, every file is scanned while it is stored and the request resolves only
 *   when all are clean: 422 naming an infected file and its signature, 503 when clamd cannot
 *   answer; either way nothing of the request is stored.
 * - PDFs get `paginas` after the whole request has been read (one PDF parsed at a time).
 */
export async function parseMultipart(req: IncomingMessage, storage: Storage, rules: UploadRules, antivirus?: AntivirusScanner): Promise<Upload> {
  const contentType = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    throw new AppError(415, 'TIPO_NO_SOPORTADO', 'Envíe el formulario como multipart/form-data.');
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
    const readable = !!rules.files[file.field]?.requireReadablePdf;
    // A PDF that must be readable is refused whatever kept it from being read.
    const paginas = await storedPdfPages(storage, file.key, edges.get(file.key)).catch((err: unknown) => {
      if (readable) return null;
      throw err;
    });
    if (paginas !== null) file.paginas = paginas;
    else if (readable) throw refused(`El PDF «${file.filename}» está dañado o no se puede leer.`, file.field);
  }
  return { fields, files };
}

/** Pages of a stored PDF; 422 when it cannot be read. */
export async function pdfPageCount(storage: Storage, key: string, edges?: FileEdges): Promise<number> {
  const pages = await storedPdfPages(storage, key, edges);
  if (pages === null) throw refused('El PDF está dañado o no se puede leer.');
  return pages;
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
        return fail(invalid(`El campo «${name}» supera el máximo de ${formatLimit(maxFieldBytes)}.`, name));
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
      const refuse = (err: AppError) => {
        file.resume();
        fail(err);
      };
      if (!rule) return refuse(invalid(`El formulario incluye un archivo no esperado («${filename}»).`, name));

      const index = counts.get(name) ?? 0;
      const refusal = ruleRefusal(rule, index, filename);
      if (refusal) return refuse(refusal.status === 400 ? invalid(refusal.message, name) : refused(refusal.message, name));
      counts.set(name, index + 1);
      const ext = extensionOf(filename);

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
                fail(tooLarge(`El archivo «${filename}» supera el límite de ${formatLimit(maxBytes)}.`, name));
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

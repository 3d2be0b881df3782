// The transforms a file part passes through on its way to storage: `Sniffer` recognises its type
// by content (and keeps a PDF's edges for its page count), `Scan` streams it to clamd and holds it
// until every file of the request is known clean. Both pass the bytes through unchanged.
import { Transform, type TransformCallback } from 'node:stream';
import { fileTypeFromBuffer } from 'file-type';
import { ScannerUnavailable, ScanTooLarge, type AntivirusScanner, type StreamScan } from '../lib/clamav';
import type { FileEdges } from '../lib/stored-pdf';
import { mimeByContent } from '../domain/archivos';
import { AppError } from '../services/errors';

/** Bytes kept from the start of each file for type detection (file-type's own sample size). */
const HEAD_BYTES = 4100;
/** Bytes kept from each end of a PDF while it streams: its page count is usually read from them. */
const EDGE_BYTES = 64 * 1024;

export const refused = (message: string, field?: string) => new AppError(422, 'ARCHIVO_INVALIDO', message, field);
export const tooLarge = (message: string, field?: string) => new AppError(413, 'DEMASIADO_GRANDE', message, field);
const unscanned = () => new AppError(503, 'ANTIVIRUS_NO_DISPONIBLE', 'No se pudo verificar los archivos, intente en unos minutos.');

async function detect(head: Buffer) {
  try {
    return await fileTypeFromBuffer(head);
  } catch {
    return undefined; // a head that confuses a parser is simply not recognised
  }
}

/** The mime of a file named with `ext` whose first bytes are `head`; throws 422 when they disagree. */
export async function checkContent(head: Buffer, ext: string, filename: string, field: string): Promise<string> {
  const r = mimeByContent(ext, filename, await detect(head));
  if ('refusal' in r) throw refused(r.refusal, field);
  return r.mime;
}

export class EmptyFile extends Error {}

/**
 * Passes the bytes through unchanged while keeping the first HEAD_BYTES; when it has them (or
 * the file ends sooner) it checks the type and holds the stream until it knows, so a refused
 * file fails before most of it is written. An empty file fails at the end, so `put` keeps nothing.
 */
export class Sniffer extends Transform {
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
export class Scan extends Transform {
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
          throw new AppError(422, 'ARCHIVO_INFECTADO', `El archivo «${this.filename}» contiene software malicioso (${verdict.signature}) y no fue aceptado.`, this.field);
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

// File storage behind one interface, addressed by SHA-256 of the content. Local disk by default.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`El archivo supera el límite de ${Math.round(limit / 1024 / 1024)} MB.`);
  }
}

export interface Stored {
  key: string; // the SHA-256, hex
  size: number;
}

export interface Storage {
  /** Streams `input` in, enforcing `maxBytes` while streaming; nothing stays behind on failure. */
  put(input: Readable, opts?: { maxBytes?: number }): Promise<Stored>;
  putBuffer(data: Buffer): Promise<Stored>;
  read(key: string): Promise<Buffer>;
  /** Random access to a stored file, for readers that need a few parts of a large one. */
  openRanges(key: string): Promise<RangeHandle>;
  stream(key: string): ReadStream;
  exists(key: string): Promise<boolean>;
}

export interface RangeHandle {
  size: number;
  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

const KEY = /^[0-9a-f]{64}$/;

export function localStorage(dir: string): Storage {
  const pathOf = (key: string) => {
    if (!KEY.test(key)) throw new Error('Clave de archivo inválida');
    return join(dir, key.slice(0, 2), key);
  };
  const tmpDir = join(dir, 'tmp');
  // Folders this process already made: a `put` costs no mkdir calls once they exist.
  const made = new Set<string>();
  const ensureDir = async (path: string) => {
    if (made.has(path)) return;
    await mkdir(path, { recursive: true });
    made.add(path);
  };

  async function put(input: Readable, opts: { maxBytes?: number } = {}): Promise<Stored> {
    await ensureDir(tmpDir);
    const tmp = join(tmpDir, `${randomBytes(12).toString('hex')}.part`);
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) return cb(new TooLarge(opts.maxBytes));
        hash.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(input, meter, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const key = hash.digest('hex');
    const final = pathOf(key);
    await ensureDir(join(dir, key.slice(0, 2)));
    // Same content, same key: an existing copy is simply kept.
    await rename(tmp, final);
    return { key, size };
  }

  return {
    put,
    async putBuffer(data) {
      const { Readable } = await import('node:stream');
      return put(Readable.from([data]));
    },
    read: (key) => readFile(pathOf(key)),
    async openRanges(key) {
      const fh = await open(pathOf(key), 'r');
      const { size } = await fh.stat();
      return {
        size,
        async read(offset, length) {
          const n = Math.max(0, Math.min(length, size - offset));
          const buf = Buffer.alloc(n);
          const { bytesRead } = await fh.read(buf, 0, n, offset);
          return buf.subarray(0, bytesRead);
        },
        close: () => fh.close(),
      };
    },
    stream: (key) => createReadStream(pathOf(key)),
    async exists(key) {
      try {
        await stat(pathOf(key));
        return true;
      } catch {
        return false;
      }
    },
  };
}

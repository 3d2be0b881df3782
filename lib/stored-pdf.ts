// Pages of a stored PDF. Counted from the PDF's cross-reference data by random access
// (pdf-pages.ts): a few small reads whatever the size. Only a PDF that reader does not understand
// goes to pdf-lib, which holds the whole document in memory (bytes plus its object graph): one
// such PDF at a time per process, so several large ones arriving together do not multiply that.
import { PDFDocument } from 'pdf-lib';
import type { RangeHandle, Storage } from './storage';
import { countPdfPages } from './pdf-pages';

/** A file's first and last bytes, kept while it streamed in: most page-count reads fall in them. */
export interface FileEdges {
  size: number;
  head: Buffer;
  tail: Buffer;
}

let queue: Promise<unknown> = Promise.resolve();

function oneAtATime<T>(job: () => Promise<T>): Promise<T> {
  const run = queue.then(job, job);
  queue = run.catch(() => undefined);
  return run;
}

/**
 * Pages of a stored PDF; null when it cannot be read. Encrypted PDFs are counted when their
 * structure can be read. `edges` answer most reads without touching the disk.
 */
export async function storedPdfPages(storage: Storage, key: string, edges?: FileEdges): Promise<number | null> {
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
  return pages < 1 ? null : pages;
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

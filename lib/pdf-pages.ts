// Page count of a PDF by random access, without loading the document: read the cross-reference
// data from the end of the file (classic tables, cross-reference streams and hybrids, following
// /Prev), then only the catalog and the root of the page tree, whose /Count is the number of
// pages. A 20 MB PDF costs a few small reads instead of 20 MB plus an object graph in memory.
// Returns null when the structure is not the plain one this reader understands (the caller then
// falls back to a full parser), so a strange but valid PDF is never refused because of it.
import { inflateSync } from 'node:zlib';

/** Reads `length` bytes at `offset` (fewer at the end of the file). */
export type RangeReader = (offset: number, length: number) => Promise<Buffer>;

interface Ref {
  num: number;
  gen: number;
}
type Entry = { kind: 'offset'; offset: number } | { kind: 'stream'; stream: number; index: number };

const MAX_XREF_SECTIONS = 64;
const MAX_PAGES = 1_000_000;

class Unsupported extends Error {}
const fail = (why: string): never => {
  throw new Unsupported(why);
};

const latin1 = (b: Buffer) => b.toString('latin1');

export async function countPdfPages(read: RangeReader, size: number): Promise<number | null> {
  try {
    return await count(read, size);
  } catch (err) {
    if (err instanceof Unsupported || err instanceof RangeError || (err as { code?: string }).code?.startsWith('Z_')) return null;
    throw err;
  }
}

async function count(read: RangeReader, size: number): Promise<number> {
  const tailStart = Math.max(0, size - 4096);
  const tail = latin1(await read(tailStart, size - tailStart));
  const at = tail.lastIndexOf('startxref');
  if (at < 0) fail('sin startxref');
  const m = /^startxref\s+(\d+)/.exec(tail.slice(at));
  if (!m) fail('startxref ilegible');

  const entries = new Map<number, Entry>();
  const remember = (num: number, e: Entry) => {
    if (!entries.has(num)) entries.set(num, e); // the newest section wins
  };
  let root: Ref | null = null;
  const seen = new Set<number>();
  const pending: number[] = [Number(m![1])];
  while (pending.length) {
    const offset = pending.shift()!;
    if (seen.has(offset) || seen.size >= MAX_XREF_SECTIONS || offset >= size) fail('xref inválido');
    seen.add(offset);
    const head = latin1(await read(offset, 64));
    const trailer = /^\s*xref/.test(head) ? await classicSection(read, offset, size, remember) : await streamSection(read, offset, remember);
    root ??= refIn(trailer, 'Root');
    // A hybrid file lists the compressed objects in a stream named by the trailer.
    const xrefStm = intIn(trailer, 'XRefStm');
    if (xrefStm !== null) pending.unshift(xrefStm);
    const prev = intIn(trailer, 'Prev');
    if (prev !== null) pending.push(prev);
  }
  if (!root) fail('sin /Root');

  const objects = new ObjectReader(read, size, entries);
  const catalog = await objects.dict(root!);
  const pagesRef = refIn(catalog, 'Pages') ?? fail('catálogo sin /Pages');
  const pages = await objects.dict(pagesRef!);
  if (!/\/Type\s*\/Pages\b/.test(pages)) fail('la raíz no es /Pages');
  const direct = intIn(pages, 'Count');
  const n = direct ?? Number((await objects.body(refIn(pages, 'Count') ?? fail('sin /Count'))).trim());
  if (!Number.isInteger(n) || n < 0 || n > MAX_PAGES) fail('/Count inválido');
  return n;
}

// ---------------------------------------------------------------------------------------------
// Cross-reference sections

/** A classic `xref` table and its trailer; returns the trailer dictionary's text. */
async function classicSection(read: RangeReader, offset: number, size: number, remember: (num: number, e: Entry) => void) {
  let chunk = 64 * 1024;
  for (;;) {
    const text = latin1(await read(offset, chunk));
    const t = text.indexOf('trailer');
    const end = t < 0 ? -1 : text.indexOf('>>', t);
    if (t >= 0 && end >= 0 && text.indexOf('startxref', t) >= 0) {
      const lines = text.slice(text.indexOf('xref') + 4, t);
      const re = /(\d+)\s+(\d+)\s*[\r\n]+|(\d{10})\s+(\d{5})\s+([nf])/g;
      let next = 0;
      for (let x = re.exec(lines); x; x = re.exec(lines)) {
        if (x[1] !== undefined) next = Number(x[1]);
        else {
          if (x[5] === 'n') remember(next, { kind: 'offset', offset: Number(x[3]) });
          next += 1;
        }
      }
      return dictAt(text, t);
    }
    if (offset + chunk >= size || chunk >= 16 * 1024 * 1024) fail('tabla xref sin trailer');
    chunk *= 4;
  }
}

/** A cross-reference stream (PDF 1.5+); returns its dictionary's text. */
async function streamSection(read: RangeReader, offset: number, remember: (num: number, e: Entry) => void) {
  const { dict, data } = await readStream(read, offset, async () => fail('longitud indirecta en xref'));
  if (!/\/Type\s*\/XRef\b/.test(dict)) fail('no es un flujo xref');
  const w = (/\/W\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s*\]/.exec(dict) ?? fail('sin /W'))!.slice(1).map(Number);
  const width = w[0] + w[1] + w[2];
  const sizeN = intIn(dict, 'Size') ?? fail('sin /Size');
  const idx = /\/Index\s*\[([\d\s]+)\]/.exec(dict);
  const ranges = (idx ? idx[1].trim().split(/\s+/).map(Number) : [0, sizeN!]) as number[];
  const rows = decode(dict, data, width);
  const field = (row: number, start: number, len: number, dflt: number) => {
    if (len === 0) return dflt;
    let v = 0;
    for (let i = 0; i < len; i++) v = v * 256 + rows[row * width + start + i];
    return v;
  };
  let row = 0;
  for (let r = 0; r + 1 < ranges.length; r += 2) {
    for (let i = 0; i < ranges[r + 1]; i++, row++) {
      if ((row + 1) * width > rows.length) fail('flujo xref corto');
      const type = field(row, 0, w[0], 1);
      const a = field(row, w[0], w[1], 0);
      const b = field(row, w[0] + w[1], w[2], 0);
      if (type === 1) remember(ranges[r] + i, { kind: 'offset', offset: a });
      else if (type === 2) remember(ranges[r] + i, { kind: 'stream', stream: a, index: b });
    }
  }
  return dict;
}

// ---------------------------------------------------------------------------------------------
// Objects

class ObjectReader {
  private readonly streams = new Map<number, { n: number; first: number; data: string }>();
  constructor(
    private readonly read: RangeReader,
    private readonly size: number,
    private readonly entries: Map<number, Entry>,
  ) {}

  /** The text of an object's body (what comes between `obj` and `endobj`). */
  async body(ref: Ref): Promise<string> {
    const e = this.entries.get(ref.num) ?? fail(`objeto ${ref.num} sin entrada`);
    if (e!.kind === 'offset') {
      let chunk = 4096;
      for (;;) {
        const text = latin1(await this.read(e!.offset, chunk));
        const head = new RegExp(`^\\s*${ref.num}\\s+\\d+\\s+obj`).exec(text) ?? fail(`objeto ${ref.num} no está donde dice el xref`);
        const end = text.search(/endobj|\bstream\b/);
        if (end >= 0) return text.slice(head![0].length, end);
        if (e!.offset + chunk >= this.size || chunk >= 1024 * 1024) fail(`objeto ${ref.num} sin fin`);
        chunk *= 4;
      }
    }
    const s = await this.objectStream(e!.stream);
    const header = s.data.slice(0, s.first).trim().split(/\s+/).map(Number);
    for (let i = 0; i + 1 < header.length && i / 2 < s.n; i += 2) {
      if (header[i] !== ref.num) continue;
      const start = s.first + header[i + 1];
      const next = i + 3 < header.length ? s.first + header[i + 3] : s.data.length;
      return s.data.slice(start, next);
    }
    return fail(`objeto ${ref.num} ausente de su flujo`);
  }

  async dict(ref: Ref): Promise<string> {
    const body = await this.body(ref);
    const at = body.indexOf('<<');
    if (at < 0) fail(`objeto ${ref.num} no es un diccionario`);
    return dictAt(body, at);
  }

  private async objectStream(num: number) {
    const cached = this.streams.get(num);
    if (cached) return cached;
    const e = this.entries.get(num);
    if (!e || e.kind !== 'offset') return fail('flujo de objetos sin posición');
    const { dict, data } = await readStream(this.read, e.offset, async (ref) => Number((await this.body(ref)).trim()));
    if (!/\/Type\s*\/ObjStm\b/.test(dict)) fail('no es un flujo de objetos');
    const n = intIn(dict, 'N') ?? fail('sin /N');
    const first = intIn(dict, 'First') ?? fail('sin /First');
    const s = { n: n!, first: first!, data: latin1(decode(dict, data, 0)) };
    this.streams.set(num, s);
    return s;
  }
}

/** The dictionary and raw data of the stream object at `offset`. */
async function readStream(read: RangeReader, offset: number, indirectLength: (ref: Ref) => Promise<number>) {
  const headBuf = await read(offset, 4096);
  const head = latin1(headBuf);
  const open = head.indexOf('<<');
  if (open < 0) fail('flujo sin diccionario');
  const dict = dictAt(head, open);
  const after = head.indexOf('stream', open + dict.length);
  if (after < 0) fail('flujo sin datos');
  let start = after + 'stream'.length;
  if (head[start] === '\r') start += 1;
  if (head[start] === '\n') start += 1;
  const lenRef = /\/Length\s+(\d+)\s+(\d+)\s+R/.exec(dict);
  const length = lenRef ? await indirectLength({ num: Number(lenRef[1]), gen: Number(lenRef[2]) }) : (intIn(dict, 'Length') ?? fail('sin /Length'));
  if (!Number.isInteger(length) || length! < 0 || length! > 64 * 1024 * 1024) fail('/Length inválido');
  return { dict, data: await read(offset + start, length!) };
}

/** Inflates (FlateDecode only) and undoes PNG predictors when `columns` > 0 or the dict says so. */
function decode(dict: string, data: Buffer, columns: number): Buffer {
  const filter = /\/Filter\s*(\[\s*)?\/(\w+)/.exec(dict);
  let out = data;
  if (filter) {
    if (filter[2] !== 'FlateDecode' || /\/Filter\s*\[\s*\/\w+\s*\/\w+/.test(dict)) fail(`filtro ${filter[2]}`);
    out = inflateSync(data);
  }
  const predictor = intIn(dict, 'Predictor') ?? 1;
  if (predictor < 10) return out;
  const cols = intIn(dict, 'Columns') ?? (columns || 1);
  const rowLen = cols + 1;
  const rows = Math.floor(out.length / rowLen);
  const result = Buffer.alloc(rows * cols);
  for (let r = 0; r < rows; r++) {
    const type = out[r * rowLen];
    for (let c = 0; c < cols; c++) {
      const raw = out[r * rowLen + 1 + c];
      const up = r > 0 ? result[(r - 1) * cols + c] : 0;
      const left = c > 0 ? result[r * cols + c - 1] : 0;
      const upLeft = r > 0 && c > 0 ? result[(r - 1) * cols + c - 1] : 0;
      let v: number;
      if (type === 0) v = raw;
      else if (type === 1) v = raw + left;
      else if (type === 2) v = raw + up;
      else if (type === 3) v = raw + ((left + up) >> 1);
      else if (type === 4) {
        const p = left + up - upLeft;
        const pa = Math.abs(p - left);
        const pb = Math.abs(p - up);
        const pc = Math.abs(p - upLeft);
        v = raw + (pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft);
      } else return fail(`predictor PNG ${type}`);
      result[r * cols + c] = v & 0xff;
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Tiny syntax helpers: enough for the keys read here, never a general parser.

/** The `<< … >>` dictionary starting at `at`, with nested dictionaries balanced. */
function dictAt(text: string, at: number): string {
  const start = text.indexOf('<<', at);
  if (start < 0) fail('diccionario ausente');
  let depth = 0;
  for (let i = start; i < text.length - 1; i++) {
    if (text[i] === '<' && text[i + 1] === '<') {
      depth += 1;
      i += 1;
    } else if (text[i] === '>' && text[i + 1] === '>') {
      depth -= 1;
      i += 1;
      if (depth === 0) return text.slice(start, i + 1);
    }
  }
  return fail('diccionario sin cerrar');
}

/** Top-level value of `/Key` in a dictionary's text (nested dictionaries are skipped). */
function topLevel(dict: string, key: string): string | null {
  let depth = 0;
  const re = new RegExp(`<<|>>|/${key}(?![\\w.#-])`, 'g');
  for (let m = re.exec(dict); m; m = re.exec(dict)) {
    if (m[0] === '<<') depth += 1;
    else if (m[0] === '>>') depth -= 1;
    else if (depth === 1) return dict.slice(m.index + key.length + 1);
  }
  return null;
}

function intIn(dict: string, key: string): number | null {
  const v = topLevel(dict, key);
  const m = v === null ? null : /^\s*(\d+)(?![\d.])(?!\s+\d+\s+R)/.exec(v);
  return m ? Number(m[1]) : null;
}

function refIn(dict: string, key: string): Ref | null {
  const v = topLevel(dict, key);
  const m = v === null ? null : /^\s*(\d+)\s+(\d+)\s+R/.exec(v);
  return m ? { num: Number(m[1]), gen: Number(m[2]) } : null;
}

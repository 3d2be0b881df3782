// ClamAV's daemon over its socket protocol (clamd(8), "zINSTREAM"): a stream is scanned while it
// passes, in chunks of a 4-byte big-endian length and the bytes, a zero length ending it; the
// reply is "stream: OK" or "stream: <signature> FOUND". PING answers PONG.
//
// Written here rather than with the `clamscan` package: its passthrough() hands the last bytes on
// before clamd's verdict is known (so the stored copy is complete before anyone knows it is
// infected), reports an infection as an event instead of an error, and its init() looks for local
// clamscan/clamdscan binaries.
import { connect, type Socket } from 'node:net';
import type { Config } from './config';

export type Verdict = { clean: true } | { clean: false; signature: string };

/** clamd could not be reached, did not answer in time or answered nonsense: nothing was scanned. */
export class ScannerUnavailable extends Error {}

/** clamd refused to scan a stream longer than its StreamMaxLength. */
export class ScanTooLarge extends Error {}

/** One stream being scanned: `write` its chunks in order, then `end` for the verdict. */
export interface StreamScan {
  /** Resolves when clamd can take more (back-pressure); rejects as `end` would. */
  write(chunk: Buffer): Promise<void>;
  /** Rejects with `ScannerUnavailable` or `ScanTooLarge`. */
  end(): Promise<Verdict>;
  /** Drops the scan (the upload failed for another reason). */
  abort(): void;
}

export interface AntivirusScanner {
  start(): StreamScan;
  /** Does clamd answer PING with PONG within `timeoutMs`? */
  ping(timeoutMs?: number): Promise<boolean>;
}

/** The scanner of CLAMAV_URL; undefined when it is not set (no scanning). */
export function antivirusFor(config: Pick<Config, 'clamav'>): AntivirusScanner | undefined {
  const { url, timeoutMs } = config.clamav;
  return url ? clamd(url, timeoutMs) : undefined;
}

type Target = { path: string } | { host: string; port: number };

const INSTREAM = Buffer.from('zINSTREAM\0');
const END = Buffer.alloc(4);

/** `tcp://host:port` (port 3310 by default) or `unix:///path/clamd.ctl`. */
export function clamd(url: string, timeoutMs: number): AntivirusScanner {
  const u = new URL(url);
  const target: Target = u.protocol === 'unix:' ? { path: decodeURIComponent(u.pathname) } : { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 3310) };
  const ping = (ms = timeoutMs) => command(target, 'zPING\0', ms).then((reply) => reply === 'PONG', () => false);
  return {
    start: () => new InStream(target, timeoutMs, ping),
    ping,
  };
}

/** Scans a whole buffer (in 64 KB chunks, as a stream would arrive). */
export async function scanBuffer(scanner: AntivirusScanner, data: Buffer): Promise<Verdict> {
  const scan = scanner.start();
  for (let i = 0; i < data.length; i += 64 * 1024) await scan.write(data.subarray(i, i + 64 * 1024));
  return scan.end();
}

function open(target: Target, timeoutMs: number): Socket {
  const socket = connect({ ...target, timeout: timeoutMs });
  socket.on('timeout', () => socket.destroy(new ScannerUnavailable(`clamd no respondió en ${timeoutMs} ms`)));
  return socket;
}

/** A one-line command ('zPING\0'): its NUL-terminated reply. */
function command(target: Target, cmd: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = open(target, timeoutMs);
    let reply = '';
    socket.on('data', (d: Buffer) => {
      reply += d.toString('latin1');
      if (reply.includes('\0')) socket.destroy();
    });
    socket.on('error', reject);
    socket.on('close', () => (reply.includes('\0') ? resolve(reply.slice(0, reply.indexOf('\0'))) : reject(new ScannerUnavailable('clamd cerró la conexión sin responder'))));
    socket.write(cmd);
  });
}

/** What clamd's reply to INSTREAM means. */
function verdictOf(reply: string): Verdict {
  if (reply === 'stream: OK') return { clean: true };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found) return { clean: false, signature: found[1] };
  if (reply.startsWith('INSTREAM size limit exceeded')) throw new ScanTooLarge(`clamd: ${reply}`);
  throw new ScannerUnavailable(reply ? `clamd respondió «${reply}»` : 'clamd cerró la conexión sin responder');
}

class InStream implements StreamScan {
  private readonly socket: Socket;
  private reply = '';
  private failure?: Error;
  private connected = false;
  private sent = 0;
  private waiting = false;
  private readonly closed: Promise<void>;

  constructor(
    target: Target,
    private readonly timeoutMs: number,
    private readonly ping: () => Promise<boolean>,
  ) {
    this.socket = open(target, timeoutMs);
    // Timed while connecting and while waiting on clamd, never while the upload itself is slow.
    this.socket.once('connect', () => {
      this.connected = true;
      if (!this.waiting) this.socket.setTimeout(0);
    });
    this.socket.on('data', (d: Buffer) => (this.reply += d.toString('latin1')));
    this.socket.on('error', (err) => (this.failure ??= err));
    this.closed = new Promise((resolve) => this.socket.once('close', () => resolve()));
    this.socket.write(INSTREAM);
  }

  async write(chunk: Buffer) {
    if (chunk.length === 0) return; // a zero length would end the stream
    if (this.socket.destroyed) throw await this.whyClosed();
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    this.socket.write(length);
    this.sent += chunk.length;
    if (!this.socket.write(chunk)) await this.waitFor((done) => this.socket.once('drain', done));
    if (this.socket.destroyed) throw await this.whyClosed();
  }

  async end(): Promise<Verdict> {
    if (!this.socket.destroyed && this.answer() === undefined) {
      this.socket.write(END);
      await this.waitFor((done) => this.socket.on('data', () => this.answer() !== undefined && done()));
    }
    const reply = this.answer();
    this.socket.destroy();
    if (reply === undefined) throw await this.whyClosed();
    return verdictOf(reply);
  }

  abort() {
    this.socket.destroy();
  }

  private answer() {
    const nul = this.reply.indexOf('\0');
    return nul < 0 ? undefined : this.reply.slice(0, nul);
  }

  /** Until `event` (or the socket closes), with clamd given `timeoutMs` to make progress. */
  private async waitFor(event: (done: () => void) => void) {
    this.waiting = true;
    this.socket.setTimeout(this.timeoutMs);
    await Promise.race([new Promise<void>((done) => event(done)), this.closed]);
    this.waiting = false;
    if (!this.socket.destroyed) this.socket.setTimeout(0);
  }

  /** The error of a stream clamd closed before its verdict. */
  private async whyClosed(): Promise<Error> {
    await this.closed;
    const reply = this.answer() ?? (this.reply || undefined);
    if (reply !== undefined) {
      try {
        verdictOf(reply);
      } catch (err) {
        return err as Error;
      }
      return new ScannerUnavailable(`clamd respondió «${reply}» antes del final`);
    }
    // clamd resets a stream it stops reading before its end (StreamMaxLength), and Node loses the
    // reply that came just before a reset met while writing: a clamd that still answers PING cut
    // this stream for its size.
    const reset = ['EPIPE', 'ECONNRESET'].includes((this.failure as NodeJS.ErrnoException | undefined)?.code ?? '');
    if (reset && this.connected && this.sent > 0 && (await this.ping())) return new ScanTooLarge('clamd cortó el envío (StreamMaxLength)');
    return this.failure instanceof ScannerUnavailable ? this.failure : new ScannerUnavailable(`clamd: ${this.failure?.message ?? 'cerró la conexión sin responder'}`);
  }
}

// HTML → A4 PDF through one Chromium started once and reused, with a small pool of open pages:
// at most `concurrency` renders at a time (more only queue), and no tab is opened per render. A
// crashed browser is replaced and the render tried again, so a job is never lost to a dead browser.
// Give it the old headless shell when there is one: it prints the same PDF about four times faster.
// What the system issues goes through `issue`: printed tagged (screen readers read it) and signed.
import { basename } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { PdfSigner, Sello } from './signing';

export const CHROMIUM_FLAGS = [
  '--no-sandbox', // we may run as root (containers, CI)
  '--disable-gpu',
  '--disable-dev-shm-usage',
  // A closed network: no background calls home.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * Puppeteer's launch options for a browser binary: Chromium's old headless shell
 * (`chrome-headless-shell`, Debian's `chromium-headless-shell`) in its own mode, any other
 * Chromium in the new headless mode.
 */
export function launchOptions(executablePath: string) {
  const shell = /headless[-_]shell/.test(basename(executablePath));
  return { executablePath, headless: shell ? ('shell' as const) : true, args: CHROMIUM_FLAGS };
}

/** A document as issued: the signed PDF and the stamp printed on it. */
export interface IssuedPdf {
  pdf: Buffer;
  sello: Sello;
}

export interface PdfRenderer {
  /** Prints HTML to a tagged A4 PDF, unsigned. */
  render(html: string): Promise<Buffer>;
  /**
   * Issues a document: `build` gets the stamp of the signature about to be made (signer, instant,
   * certificate fingerprint) to print it, the HTML is printed and the PDF signed with that instant.
   * `razon` becomes the signature's reason («Cargo de recepción …»).
   */
  issue(build: (sello: Sello) => string | Promise<string>, razon: string): Promise<IssuedPdf>;
  /** The certificate documents are signed with; undefined when this renderer has no signer. */
  readonly signer?: PdfSigner;
  close(): Promise<void>;
  /** For tests of crash recovery: the running browser's process id. */
  browserPid(): Promise<number | undefined>;
}

/** `issue` over any printing function: the stamp first, then the print, then the signature. */
export async function issueDocument(
  render: (html: string) => Promise<Buffer>,
  signer: PdfSigner | undefined,
  build: (sello: Sello) => string | Promise<string>,
  razon: string,
): Promise<IssuedPdf> {
  if (!signer) throw new Error('PDF renderer sin certificado de firma: no emite documentos');
  const sello = signer.sello();
  const printed = await render(await build(sello));
  return { pdf: await signer.sign(printed, sello, razon), sello };
}

export function createPdfRenderer(executablePath: string, opts: { concurrency?: number; signer?: PdfSigner } = {}): PdfRenderer {
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  let browser: Promise<Browser> | undefined;
  let closed = false;
  let idle: Page[] = [];
  let active = 0;
  const waiting: (() => void)[] = [];

  const launch = () => {
    const b = puppeteer.launch(launchOptions(executablePath));
    const forget = () => {
      if (browser === b) {
        browser = undefined;
        idle = [];
      }
    };
    b.then((br) => br.on('disconnected', forget)).catch(forget);
    return b;
  };
  const getBrowser = () => (browser ??= launch());

  async function acquire() {
    if (active >= concurrency) await new Promise<void>((res) => waiting.push(res));
    active += 1;
  }
  function release() {
    active -= 1;
    waiting.shift()?.();
  }

  async function renderOnce(html: string) {
    const page = idle.pop() ?? (await (await getBrowser()).newPage());
    try {
      await page.setContent(html, { waitUntil: 'load' });
      // Tagged, with the document's <title> and lang: screen readers read it (it costs print time).
      const pdf = Buffer.from(await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true, tagged: true }));
      idle.push(page);
      return pdf;
    } catch (err) {
      await page.close().catch(() => {});
      throw err;
    }
  }

  const renderer: PdfRenderer = {
    signer: opts.signer,
    issue: (build, razon) => issueDocument((html) => renderer.render(html), opts.signer, build, razon),
    async render(html) {
      if (closed) throw new Error('PDF renderer closed');
      await acquire();
      const used = getBrowser();
      try {
        return await renderOnce(html);
      } catch (err) {
        // The browser may have died mid-job: start a new one and try once more. Two jobs that saw
        // it die replace it once: only the first forgets the dead one, the second uses the new.
        const b = await used?.catch(() => undefined);
        if (b?.connected) throw err;
        if (browser === used) {
          browser = undefined;
          idle = [];
        }
        return await renderOnce(html);
      } finally {
        release();
      }
    },
    async close() {
      closed = true;
      const b = await browser?.catch(() => undefined);
      browser = undefined;
      idle = [];
      await b?.close().catch(() => {});
    },
    async browserPid() {
      const b = await browser?.catch(() => undefined);
      return b?.process()?.pid;
    },
  };
  return renderer;
}

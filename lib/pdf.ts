// HTML → A4 PDF through one Chromium started once and reused; a crashed browser is replaced and
// the render tried again, so a job is never lost to a dead browser.
import puppeteer, { type Browser } from 'puppeteer-core';

const FLAGS = [
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

export interface PdfRenderer {
  render(html: string): Promise<Buffer>;
  close(): Promise<void>;
  /** For tests of crash recovery: the running browser's process id. */
  browserPid(): Promise<number | undefined>;
}

export function createPdfRenderer(executablePath: string): PdfRenderer {
  let browser: Promise<Browser> | undefined;
  let closed = false;

  const launch = () => {
    const b = puppeteer.launch({ executablePath, headless: true, args: FLAGS });
    b.then((br) => br.on('disconnected', () => {
      if (browser === b) browser = undefined;
    })).catch(() => {
      if (browser === b) browser = undefined;
    });
    return b;
  };
  const getBrowser = () => (browser ??= launch());

  async function renderOnce(html: string) {
    const page = await (await getBrowser()).newPage();
    try {
      await page.setContent(html, { waitUntil: 'load' });
      const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
      return Buffer.from(pdf);
    } finally {
      await page.close().catch(() => {});
    }
  }

  return {
    async render(html) {
      if (closed) throw new Error('PDF renderer closed');
      try {
        return await renderOnce(html);
      } catch (err) {
        // The browser may have died mid-job: start a new one and try once more.
        const b = await browser?.catch(() => undefined);
        if (b?.connected) throw err;
        browser = undefined;
        return renderOnce(html);
      }
    },
    async close() {
      closed = true;
      const b = await browser?.catch(() => undefined);
      browser = undefined;
      await b?.close().catch(() => {});
    },
    async browserPid() {
      const b = await browser?.catch(() => undefined);
      return b?.process()?.pid;
    },
  };
}

// The security headers as Chromium applies them: no page of any role violates the CSP, another
// site can't frame our pages, a stored PDF served with `sandbox` still shows in Chromium's PDF
// viewer (opened alone or inside the detail page), and a stored image opens sandboxed, with an
// opaque origin that can't script the portal. Set SCREENSHOTS_DIR to keep screenshots of the viewer.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import QRCode from 'qrcode';
import { sharedStack } from './helpers/shared';
import { fileMultipart, makePdf, type Client } from './helpers/http';
import { axeViolations, openBrowser } from './helpers/browser';

const test = sharedStack({
  ciudadano: 'ciudadano@demo.pe',
  mesa: 'mesa@demo.gob.pe',
  supervisor: 'supervisor@demo.gob.pe',
  admin: 'admin@demo.gob.pe',
});

/** Chromium's built-in PDF viewer, an extension page inside the document's frame. */
const PDF_VIEWER = 'chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/';

/** Waits until the PDF viewer in `p` has read a document of `pages` pages (its page selector says so). */
async function viewerShows(p: Page, pages: number) {
  const viewer = await p.waitForFrame((f) => f.url().startsWith(PDF_VIEWER));
  await viewer.waitForFunction((n) => {
    const toolbar = document.querySelector('pdf-viewer')?.shadowRoot?.querySelector('viewer-toolbar');
    return (toolbar?.shadowRoot?.querySelector('viewer-page-selector') as { docLength?: number } | null)?.docLength === n;
  }, {}, pages);
}

async function shoot(p: Page, name: string) {
  const dir = process.env.SCREENSHOTS_DIR;
  if (dir) await p.screenshot({ path: join(dir, `csp-${name}.png`) as `${string}.png` });
}

test('in a browser: no page of any role violates the CSP or has an accessibility violation (axe-core)', async (t) => {
  const { stack, ciudadano, mesa, supervisor, admin } = t.context;
  const filed = await fileMultipart(stack.base, ciudadano, { asunto: 'Recorrido de todas las páginas' });
  t.is(filed.status, 201, JSON.stringify(filed.body));
  const { numero, codigoVerificacion } = filed.body as { numero: string; codigoVerificacion: string };
  const walks: [Client | null, string[]][] = [
    [null, ['/', '/ingresar', '/registro', '/consulta', '/terminos', '/privacidad', '/clave/olvido', '/verificacion', `/verificacion/${codigoVerificacion}`]],
    [ciudadano, ['/', '/expedientes/nuevo', `/expedientes/${numero}`, `/expedientes/${numero}/cargo`, '/casilla', '/cuenta/perfil', '/cuenta/clave']],
    // The detail page shows staff the principal PDF in a frame.
    [mesa, ['/', '/bandeja', `/expedientes/${numero}`]],
    [supervisor, ['/supervision']],
    [admin, ['/admin', '/admin/unidades', '/admin/unidades/GG', '/admin/tipos', '/admin/horario', '/admin/calendario', '/admin/auditoria', '/admin/personal', '/admin/tokens']],
  ];
  const { browser, errors } = await openBrowser(stack.base);
  try {
    for (const [who, paths] of walks) {
      const context = await browser.createBrowserContext();
      const host = new URL(stack.base).hostname;
      const cookies = (who?.cookie ?? '').split('; ').filter(Boolean).map((c) => c.split('='));
      if (cookies.length) await context.setCookie(...cookies.map(([name, ...value]) => ({ name, value: value.join('='), domain: host, path: '/' })));
      const p = await context.newPage();
      for (const path of paths) {
        const res = await p.goto(stack.base + path, { waitUntil: 'networkidle0' });
        t.is(res?.status(), 200, path);
        // Every page of every role, also at a phone's width: no accessibility violation (axe-core).
        errors.push(...(await axeViolations(p)));
        await p.setViewport({ width: 390, height: 844 });
        errors.push(...(await axeViolations(p)).map((v) => `${v} [390 px]`));
        await p.setViewport({ width: 1280, height: 900 });
        if (who) t.not(new URL(p.url()).pathname, '/ingresar', `${path}: not logged in`);
        if (path === '/admin/unidades') {
          // Each office indented 1.4rem per level, from data-nivel now that style attributes are refused.
          const niveles = await p.$$eval('.unidad-nombre', (es) =>
            es.map((e) => [Number((e as HTMLElement).dataset.nivel), parseFloat(getComputedStyle(e).paddingLeft) / parseFloat(getComputedStyle(document.documentElement).fontSize)]),
          );
          t.true(niveles.some(([nivel]) => nivel >= 2));
          for (const [nivel, rem] of niveles) t.is(rem.toFixed(2), (Math.min(nivel, 6) * 1.4).toFixed(2));
        }
      }
      const missing = await p.goto(`${stack.base}/no-existe`);
      t.is(missing?.status(), 404);
      errors.push(...(await axeViolations(p)));
      await context.close();
    }
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('in a browser: another site cannot frame the login page', async (t) => {
  const { stack } = t.context;
  // Another origin (another port) that puts our login page in a frame.
  const site = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><title>Otro sitio</title><iframe src="${stack.base}/ingresar" width="800" height="600"></iframe>`);
  });
  await new Promise<void>((res) => site.listen(0, '127.0.0.1', res));
  t.teardown(() => new Promise<void>((res) => site.close(() => res())));
  const { browser, errors } = await openBrowser(stack.base);
  try {
    const p = await browser.newPage();
    await p.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    const framed = p.frames().filter((f) => f !== p.mainFrame());
    t.is(framed.length, 1);
    t.false(framed[0].url().startsWith(stack.base), `the login page loaded in the frame: ${framed[0].url()}`);
    // The walks' error list sees the violation: every walk test fails on one.
    t.true(errors.some((e) => e.includes("frame-ancestors 'none'")), errors.join('\n'));
  } finally {
    await browser.close();
  }
});

test('in a browser: a stored PDF still shows in the PDF viewer, alone and framed; a stored image opens sandboxed', async (t) => {
  const { stack, ciudadano } = t.context;
  const png = await QRCode.toBuffer('https://example.pe/imagen-hostil');
  const filed = await fileMultipart(stack.base, ciudadano, { asunto: 'PDF que se ve en el visor' }, { principal: await makePdf(3), anexos: [{ name: 'foto.png', data: png, type: 'image/png' }] });
  t.is(filed.status, 201, JSON.stringify(filed.body));
  const numero = filed.body.numero as string;
  const detail = (await (await ciudadano.get(`/api/v1/expedientes/${numero}`)).json()) as { documentos: { nombre: string; url: string }[] };
  const image = detail.documentos.find((d) => d.nombre === 'foto.png')!;
  const { browser, errors, session } = await openBrowser(stack.base);
  try {
    // Staff see the principal PDF inside the detail page (web/views/expediente.hbs).
    const mesa = await session('mesa@demo.gob.pe', `/expedientes/${numero}`);
    await mesa.$eval('iframe.visor', (e) => e.scrollIntoView());
    await viewerShows(mesa, 3);
    await shoot(mesa, 'pdf-en-detalle');

    // Opened alone, as the "Ver" link does.
    const pdfUrl = await mesa.$eval('iframe.visor', (e) => (e as HTMLIFrameElement).src);
    const pdf = await mesa.goto(pdfUrl);
    t.regex(pdf?.headers()['content-security-policy'] ?? '', /^sandbox\b/);
    await viewerShows(mesa, 3);
    await shoot(mesa, 'pdf-solo');

    // An image (or anything else a browser renders itself) runs sandboxed: an opaque origin, so
    // a hostile file can't read the portal's pages or call its API with the person's session.
    const img = await mesa.goto(stack.base + image.url);
    t.is(img?.headers()['content-type'], 'image/png');
    t.is(await mesa.evaluate(() => self.origin), 'null');
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

test('in a browser: the accessibility check finds what it must (an image without alt text, a field without a label)', async (t) => {
  const { stack } = t.context;
  const { browser } = await openBrowser(stack.base);
  try {
    const p = await browser.newPage();
    await p.setContent('<!doctype html><html lang="es"><head><title>Prueba</title></head><body><main><h1>Prueba</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></main></body></html>');
    const found = await axeViolations(p);
    t.true(found.some((v) => v.includes(': image-alt:')), found.join('\n'));
    t.true(found.some((v) => v.includes(': label:')), found.join('\n'));
  } finally {
    await browser.close();
  }
});

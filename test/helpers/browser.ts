// Headless Chromium for the page walks: one browser, a fresh context (cookies, downloads) per
// person, logged in through the login form, and every page error, Content Security Policy
// violation and accessibility violation (axe-core, on every page a walk navigates to) collected
// for the test to check.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import puppeteer, { type Browser, type Page, type Target } from 'puppeteer-core';
import { required, TEST_PASSWORD } from './stack';
import { freshCode } from './totp';
import { launchOptions } from '../../lib/pdf';

export interface Walk {
  browser: Browser;
  /**
   * Uncaught errors of every page opened by `session`, as `usuario: error`, and the CSP
   * violations Chromium reports on any page of the browser, as `CSP url: message`.
   */
  errors: string[];
  /** A new context logged in as `usuario`, on the page `volver` after login. */
  session(usuario: string, volver: string, opts?: { downloadPath?: string }): Promise<Page>;
  close(): Promise<void>;
}

/** axe-core from npm, run inside the page through the DevTools protocol (the CSP does not apply). */
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * The accessibility violations axe-core finds on the page now (WCAG 2.1 A and AA and axe's best
 * practices), one line each: `axe <path>: <rule>: <help> (<first elements>)`. A page that is not
 * HTML (a PDF in the viewer, an image) has none.
 */
export async function axeViolations(p: Page): Promise<string[]> {
  const path = new URL(p.url()).pathname;
  if ((await p.evaluate(() => document.contentType)) !== 'text/html') return [];
  await p.evaluate(AXE_SOURCE);
  const violations = (await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: unknown[] }> } }).axe;
    return (await axe.run(document, { resultTypes: ['violations'] })).violations;
  })) as AxeViolation[];
  return violations.map((v) => `axe ${path}: ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * Every navigation of `p` the test waits for (goto, reload, waitForNavigation) is followed by an
 * axe-core check of the page it lands on, before the test goes on; what it finds goes to `errors`.
 */
function auditNavigations(p: Page, errors: string[]) {
  const audit = async () => {
    errors.push(...(await axeViolations(p)));
  };
  const wrap = <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const r = await fn(...a);
      await audit();
      return r;
    };
  p.goto = wrap(p.goto.bind(p));
  p.reload = wrap(p.reload.bind(p));
  p.waitForNavigation = wrap(p.waitForNavigation.bind(p));
}

export async function openBrowser(base: string): Promise<Walk> {
  // The full browser (the one people use), with the flags lib/pdf.ts gives Chromium.
  const browser = await puppeteer.launch(launchOptions(required('PUPPETEER_EXECUTABLE_PATH')));
  const errors: string[] = [];
  // Attached as the page is created, before the test can navigate it: no violation is missed.
  const watchConsole = async (target: Target) => {
    const page = await target.page().catch(() => null); // a target closed at once has no page
    page?.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) errors.push(`CSP ${page.url()}: ${m.text()}`);
    });
  };
  browser.on('targetcreated', (target: Target) => {
    void watchConsole(target);
  });
  return {
    browser,
    errors,
    async session(usuario, volver, opts = {}) {
      const ctx = await browser.createBrowserContext(opts.downloadPath ? { downloadBehavior: { policy: 'allow', downloadPath: opts.downloadPath } } : {});
      const p = await ctx.newPage();
      await p.setViewport({ width: 1280, height: 900 });
      // The whole suite runs several stacks and browsers on two cores: a page may wait its turn.
      p.setDefaultTimeout(90_000);
      p.on('pageerror', (e) => errors.push(`${usuario}: ${String(e)}`));
      auditNavigations(p, errors);
      await p.goto(`${base}/ingresar?volver=${encodeURIComponent(volver)}`);
      await p.type('#f-usuario', usuario);
      await p.type('#f-password', TEST_PASSWORD);
      await Promise.all([p.waitForNavigation(), p.click('main form button[type="submit"]')]);
      await answerCode(p, base, usuario);
      return p;
    },
    close: () => browser.close(),
  };
}

/**
 * The second step of the login form, when the page asks for it: the code the tests' authenticator
 * app shows for `usuario`, typed and sent with Enter.
 */
export async function answerCode(p: Page, base: string, usuario: string) {
  if (!(await p.$('form[action="/ingresar/codigo"]'))) return;
  await p.type('#f-codigo', await freshCode(base, usuario));
  await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
}

/**
 * The page at 1280 and 390 px: how wide its content is at each (wider than the window means
 * sideways scrolling), with full-page screenshots `<name>-<width>.png` when SCREENSHOTS_DIR is set.
 */
export async function widths(p: Page, name: string): Promise<Record<number, number>> {
  const shots = process.env.SCREENSHOTS_DIR;
  const anchos: Record<number, number> = {};
  for (const width of [1280, 390]) {
    await p.setViewport({ width, height: 900 });
    anchos[width] = await p.evaluate(() => document.documentElement.scrollWidth);
    if (shots) await p.screenshot({ path: join(shots, `${name}-${width}.png`) as `${string}.png`, fullPage: true });
  }
  await p.setViewport({ width: 1280, height: 900 });
  return anchos;
}

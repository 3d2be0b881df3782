// Security headers on every response, set once, above the error handler so error pages get them.
// Our pages run only the scripts and styles of web/static and can't be framed; everything else
// (stored files, cargos, constancias, exports, JSON) is shown but never run, in a CSP sandbox.
import helmet from 'koa-helmet';
import type { Context, Next } from 'koa';
import type { Config } from '../lib/config';

const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=()';

/**
 * For any response that is not one of our pages: a hostile image or file opened inline gets an
 * opaque origin and no scripts. Plain `sandbox`, no allow-* tokens: Chromium (156) still shows a
 * PDF served so in its viewer, download button included (test/pages-csp.test.ts); it keeps its
 * viewer's document out of the sandbox, where a PDF can't run page script anyway. Framed by our
 * own pages only (the PDF viewer of web/views/expediente.hbs).
 */
const FILE_CSP = "sandbox; frame-ancestors 'self'";

/** One of our rendered pages: HTML, and not a file (those come with Content-Disposition). */
const isPage = (ctx: Context) => ctx.response.is('html') !== false && !ctx.response.get('Content-Disposition');

export function securityHeaders(config: Config) {
  const https = new URL(config.http.publicUrl).protocol === 'https:';
  const helmetHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // Pages have no style attributes or <style>: web/static/app.css only.
        styleSrc: ["'self'"],
        // The second-factor enrolment QR is a data: image (web/views/cuenta-segundo-factor.hbs).
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Over plain http (development) the browser would upgrade form posts to an https port that isn't there.
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: https,
    // Pages and links carry expediente numbers and verification codes: never sent to other sites.
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
  });
  return async (ctx: Context, next: Next) => {
    ctx.set('Permissions-Policy', PERMISSIONS_POLICY);
    await helmetHeaders(ctx, next);
    if (!isPage(ctx)) {
      ctx.set('Content-Security-Policy', FILE_CSP);
      ctx.set('X-Frame-Options', 'SAMEORIGIN');
    }
  };
}

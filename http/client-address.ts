// Who the client really is. X-Forwarded-For and X-Forwarded-Proto are believed only when the TCP
// peer is one of the configured proxies (PROXIES_CONFIABLES), and then only up to the first hop
// that is not: anything a client writes into those headers itself is ignored. Throttles, session
// records and the Secure flag of cookies all read what this middleware decides.
import type { Context, Next } from 'koa';
import proxyaddr from 'proxy-addr';

export function clientAddress(trusted: readonly string[]) {
  const trust = proxyaddr.compile([...trusted]);
  return async (ctx: Context, next: Next) => {
    const peer = ctx.req.socket.remoteAddress ?? '';
    // The closest address, walking from the peer back through X-Forwarded-For, that is not trusted.
    ctx.request.ip = trusted.length ? proxyaddr(ctx.req, trust) : peer;
    if (trusted.length && !(ctx.req.socket as { encrypted?: boolean }).encrypted && trust(peer, 0)) {
      // The proxy that reached us says which scheme its client used (Koa reads the first value too).
      const proto = ctx.get('X-Forwarded-Proto').split(',')[0].trim().toLowerCase();
      if (proto === 'https' || proto === 'http') Object.defineProperty(ctx.request, 'protocol', { value: proto });
    }
    return next();
  };
}

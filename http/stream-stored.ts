// Sends a stored file: inline to view in the browser, or as a download (`?descargar=1`).
import type { Context } from 'koa';
import type { AppDeps } from '../services/deps';

export function streamStored(ctx: Context, deps: AppDeps, sha256: string, nombre: string, mime: string, download: boolean) {
  ctx.type = mime;
  ctx.set('Content-Disposition', `${download ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(nombre)}`);
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = deps.storage.stream(sha256);
}

/** A file a service named (services/expedientes/archivos.ts), as the request asks for it. */
export function sendStored(ctx: Context, deps: AppDeps, file: { sha256: string; nombre: string; mime: string }) {
  streamStored(ctx, deps, file.sha256, file.nombre, file.mime, ctx.query.descargar === '1');
}

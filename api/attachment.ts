// Sends a generated file (an export) as a download that no shared cache keeps.
import type { Context } from 'koa';
import type { Archivo } from '../lib/exports';

export function sendAttachment(ctx: Context, archivo: Archivo) {
  ctx.type = archivo.tipo;
  ctx.set('Content-Disposition', `attachment; filename="${archivo.nombre}"`);
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = archivo.contenido;
}

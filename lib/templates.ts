// Outgoing mail bodies, rendered from Handlebars files in templates/mail/:
//   <name>.subject.hbs  one line, not escaped (whitespace is collapsed after rendering)
//   <name>.text.hbs     plain text, not escaped
//   <name>.html.hbs     HTML fragment, escaped, wrapped in _layout.html.hbs
// plus the partial _boton.html.hbs ({{> boton enlace=... texto=...}}).
// Templates are compiled in strict mode: a field the template uses but the caller did not pass
// throws instead of silently leaving a hole (e.g. an empty link) in a message sent to a citizen.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const MAIL_NAMES = [
  'verificacion',
  'clave-olvido',
  'clave-cambiada',
  'cuenta-personal',
  'cargo',
  'notificacion',
  'plazo-vencido',
  'casilla-alerta',
  'segundo-factor-activado',
  'segundo-factor-desactivado',
  'cargo-escrito',
  'escrito-nuevo',
  'aviso-derivacion',
  'aviso-subsanacion',
  'resumen-avisos',
] as const;
export type MailName = (typeof MAIL_NAMES)[number];

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Always passed by the caller; available to every template and to the layout. */
export interface MailContext {
  institucion: string;
  portalUrl: string;
}

const DIR = fileURLToPath(new URL('../templates/mail/', import.meta.url));

const hb = Handlebars.create();

/** {{plural n "día" "días"}} */
hb.registerHelper('plural', (n: unknown, one: unknown, many: unknown) => (Number(n) === 1 ? one : many));
/** {{concat portalUrl "/clave/olvido"}}; the last argument is Handlebars' options object. */
hb.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).map(String).join(''));

type Compiled = HandlebarsTemplateDelegate<Record<string, unknown>>;
interface MailTemplates {
  subject: Compiled;
  text: Compiled;
  html: Compiled;
}

const cache = new Map<MailName, MailTemplates>();
let layout: Compiled | undefined;

function read(file: string): string {
  return readFileSync(join(DIR, file), 'utf8');
}

function compileHtml(source: string): Compiled {
  return hb.compile(source, { strict: true });
}

function compilePlain(source: string): Compiled {
  return hb.compile(source, { strict: true, noEscape: true });
}

function getLayout(): Compiled {
  if (!layout) {
    hb.registerPartial('boton', compileHtml(read('_boton.html.hbs')));
    layout = compileHtml(read('_layout.html.hbs'));
  }
  return layout;
}

function getTemplates(name: MailName): MailTemplates {
  const cached = cache.get(name);
  if (cached) return cached;
  // Runtime guard too: the name may come from untyped code, and it becomes part of a path.
  const files = ['subject', 'text', 'html'].map((part) => `${name}.${part}.hbs`);
  if (!(MAIL_NAMES as readonly string[]).includes(name) || !files.every((f) => existsSync(join(DIR, f)))) {
    throw new Error(`Plantilla de correo desconocida: ${String(name)}`);
  }
  const [subject, text, html] = files.map(read);
  const compiled: MailTemplates = {
    subject: compilePlain(subject),
    text: compilePlain(text),
    html: compileHtml(html),
  };
  cache.set(name, compiled);
  return compiled;
}

export function renderMail(name: MailName, data: Record<string, unknown> & MailContext): RenderedMail {
  const t = getTemplates(name);
  const frame = getLayout();
  // Templates append paths to portalUrl ("{{portalUrl}}/clave/olvido").
  const ctx: Record<string, unknown> = { ...data, portalUrl: String(data.portalUrl).replace(/\/+$/, '') };

  try {
    const subject = t.subject(ctx).replace(/\s+/g, ' ').trim();
    const text = `${t.text(ctx).replace(/\r\n?/g, '\n').trim()}\n`;
    const body = t.html(ctx).trim();
    const html = frame({ ...ctx, subject, body });
    return { subject, text, html };
  } catch (err) {
    // Strict mode reports a missing field as '"codigo" not defined in [object Object] - 5:6'.
    throw new Error(`Plantilla de correo ${name}: ${(err as Error).message}`, { cause: err });
  }
}

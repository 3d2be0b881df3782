// Handlebars views: compiled once at start, every page inside the one layout. Handlebars escapes
// `{{ }}` output, so data from users is never markup.
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import type { Config } from '../lib/config';
import { ESTADO_LABEL, type Estado } from '../domain/lifecycle';
import { STAFF_ROLES, csrfTokenFor, principal } from '../api/auth/session';

const here = dirname(fileURLToPath(import.meta.url));
const viewsDir = join(here, 'views');
export const staticDir = join(here, 'static');

const pad = (n: number) => String(n).padStart(2, '0');
/** 'dd/mm/aaaa hh:mm' in Lima time (fixed UTC−05:00). */
export function fechaHora(value: Date | string | null | undefined) {
  if (!value) return '';
  const d = new Date(new Date(value).getTime() - 5 * 3600_000);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** What the layout shows about the person who is logged in (nothing for anonymous visitors). */
export function usuarioDe(ctx: Context) {
  const p = principal(ctx);
  if (p?.kind !== 'cuenta') return undefined;
  return {
    nombre: p.nombre || p.email,
    email: p.email,
    rol: p.rol,
    esPersonal: STAFF_ROLES.includes(p.rol),
    esAdmin: p.rol === 'admin',
  };
}

export function createViews(config: Config) {
  const hb = Handlebars.create();
  hb.registerHelper('fechaHora', (v: Date | string) => fechaHora(v));
  hb.registerHelper('estadoLabel', (e: Estado) => ESTADO_LABEL[e] ?? e);
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('not', (a: unknown) => !a);
  for (const f of readdirSync(join(viewsDir, 'partials')).filter((f) => f.endsWith('.hbs'))) {
    hb.registerPartial(basename(f, '.hbs'), readFileSync(join(viewsDir, 'partials', f), 'utf8'));
  }
  const templates = new Map<string, Handlebars.TemplateDelegate>();
  for (const f of readdirSync(viewsDir).filter((f) => f.endsWith('.hbs'))) {
    templates.set(basename(f, '.hbs'), hb.compile(readFileSync(join(viewsDir, f), 'utf8'), { strict: false }));
  }
  const layout = templates.get('layout')!;
  const globals = {
    institucion: config.institution.name,
    temporalUiUrl: config.temporal.uiUrl,
  };

  /**
   * Renders `view` inside the layout. Adds `usuario` (the logged-in person, for the header) and
   * `csrf` (the token every form posts as `_csrf`) to the data.
   */
  function render(ctx: Context, view: string, data: { titulo?: string; [k: string]: unknown }) {
    const tpl = templates.get(view);
    if (!tpl) throw new Error(`Vista desconocida: ${view}`);
    const all = { ...globals, usuario: usuarioDe(ctx), csrf: csrfTokenFor(ctx), ...data };
    const body = tpl(all);
    ctx.type = 'html';
    // Pages carry personal data and the form token: never kept by shared caches.
    ctx.set('Cache-Control', 'private, no-store');
    ctx.body = layout({ ...all, body });
  }
  return { render };
}

export type Views = ReturnType<typeof createViews>;

// Handlebars views: compiled once at start, every page inside the one layout. Handlebars escapes
// `{{ }}` output, so data from users is never markup.
import Handlebars from 'handlebars';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'koa';
import type { Config } from '../lib/config';
import { ESTADO_LABEL, type Estado } from '../domain/lifecycle';
import { STAFF_ROLES } from '../domain/principal';
import { DIAS_SEMANA, fechaHora } from '../domain/formats';
import { csrfTokenFor, principal } from '../http/auth/session';

const here = dirname(fileURLToPath(import.meta.url));
const viewsDir = join(here, 'views');
export const staticDir = join(here, 'static');

// Kept for pages that still import it from here; the formatter lives in domain/formats.ts.

/** 'dd/mm/aaaa' of a legal day 'AAAA-MM-DD' (a `date` column comes as that string). */
export function fecha(value: string | null | undefined, conDia = false) {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})/.exec(value) : null;
  if (!m) return value ?? '';
  const dia = DIAS_SEMANA[new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay()];
  return `${conDia ? `${dia} ` : ''}${m[3]}/${m[2]}/${m[1]}`;
}

const numero = new Intl.NumberFormat('es-PE', { maximumFractionDigits: 1 });
/** A file size as a person reads it: '530 KB', '1.2 MB'. */
export function tamano(bytes: number | string | null | undefined) {
  const n = Number(bytes);
  if (!Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${numero.format(n / 1024)} KB`;
  return `${numero.format(n / (1024 * 1024))} MB`;
}

/** What each seguimiento entry means, in Spanish (the read model stores the workflow's verb). */
export const ACCION_LABEL: Record<string, string> = {
  PRESENTAR: 'Presentado',
  OBSERVAR: 'Observado',
  SUBSANAR: 'Subsanado',
  DERIVAR: 'Derivado',
  RECIBIR: 'Recibido',
  ATENDER: 'Atendido',
  ANULAR: 'Anulado',
  ACTUALIZAR: 'Actualizado',
  ARCHIVAR: 'Archivado',
  NOTIFICAR: 'Notificado',
  ESCRITO: 'Escrito presentado',
};

export const ROL_DOCUMENTO_LABEL: Record<string, string> = {
  PRINCIPAL: 'Principal',
  ANEXO: 'Anexo',
  SUBSANACION: 'Subsanación',
  RESPUESTA: 'Respuesta',
  CARGO: 'Cargo',
  NOTIFICACION: 'Notificación',
  ESCRITO: 'Escrito',
};

/** What the layout shows about the person who is logged in (nothing for anonymous visitors). */
export function usuarioDe(ctx: Context) {
  const p = principal(ctx);
  if (p?.kind !== 'cuenta') return undefined;
  return {
    nombre: p.nombre || p.email,
    email: p.email,
    rol: p.rol,
    esPersonal: STAFF_ROLES.includes(p.rol),
    esCiudadano: p.rol === 'ciudadano',
    esAdmin: p.rol === 'admin',
    esSupervisor: p.rol === 'supervisor' || p.rol === 'admin',
    /** Set by unreadBadge (web/casilla.ts) before pages render. */
    casillaNoLeidas: (ctx.state as { casillaNoLeidas?: number }).casillaNoLeidas ?? 0,
  };
}

export function createViews(config: Config) {
  const hb = Handlebars.create();
  hb.registerHelper('fechaHora', (v: Date | string) => fechaHora(v));
  hb.registerHelper('estadoLabel', (e: Estado) => ESTADO_LABEL[e] ?? e);
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('not', (a: unknown) => !a);
  hb.registerHelper('fecha', (v: string) => fecha(v));
  hb.registerHelper('fechaConDia', (v: string) => fecha(v, true));
  hb.registerHelper('tamano', (v: number) => tamano(v));
  hb.registerHelper('accionLabel', (a: string) => ACCION_LABEL[a] ?? a);
  hb.registerHelper('rolDocumento', (r: string) => ROL_DOCUMENTO_LABEL[r] ?? r);
  hb.registerHelper('corto', (v: string) => (typeof v === 'string' ? v.slice(0, 12) : ''));
  hb.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
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

const compiled = new WeakMap<Config, Views>();

/** The views of a configuration, compiled once: what route-map page handlers render with. */
export function viewsFor(config: Config): Views {
  let views = compiled.get(config);
  if (!views) compiled.set(config, (views = createViews(config)));
  return views;
}

// Staff trays (issue #5): the trays a role opens and one page of a tray, filtered, in its order,
// by keyset. Trays are work queues inside what the caller may see (domain/visibility.ts): an
// office's trays hold only the cases in it now. Supervisors and admins open every tray of every office.
import type { CuentaPrincipal } from '../../domain/principal';
import { parse } from '../validation';
import { BANDEJAS, bandejaPara, bandejasDe, filtrosSchema, type BandejaCodigo } from './definiciones';
import { consultaDe, encodeCursor, filas, vista, type FilaBandeja, type TrayDeps } from './consulta';

export interface BandejaResumen {
  codigo: BandejaCodigo;
  titulo: string;
  url: string;
}

/** The trays the caller opens, in tab order, with their API address. */
export function listBandejas(p: CuentaPrincipal): BandejaResumen[] {
  return bandejasDe(p.rol).map((codigo) => ({ codigo, titulo: BANDEJAS[codigo].titulo, url: `/api/v1/bandejas/${codigo}` }));
}

export interface PaginaBandeja {
  bandeja: BandejaCodigo;
  titulo: string;
  expedientes: FilaBandeja[];
  /** The cursor of the next page; null at the end. */
  siguiente: string | null;
}

/** The tray and its filters: an unknown tray is a 404 and another role's a 403, before any filter's 400. */
export async function consultaBandeja(deps: TrayDeps, p: CuentaPrincipal, codigo: string, query: unknown) {
  const tray = bandejaPara(p, codigo);
  return consultaDe(deps, p, tray, parse(filtrosSchema, query));
}

/** One page of a tray, in its order; `query` holds the filters, `despues` and `limite`. */
export async function bandejaPage(deps: TrayDeps, p: CuentaPrincipal, codigo: string, query: unknown): Promise<PaginaBandeja> {
  const c = await consultaBandeja(deps, p, codigo, query);
  const f = c.f;
  const rows = await filas(c, f.limite, f.despues);
  const page = rows.slice(0, f.limite);
  const last = page[page.length - 1];
  return {
    bandeja: c.codigo,
    titulo: BANDEJAS[c.codigo].titulo,
    expedientes: vista(c, page),
    siguiente: rows.length > f.limite ? encodeCursor(last.k, last.id) : null,
  };
}

/** A tray's page query as the API runs it, for `p`: bench/trays.ts times it beside OFFSET paging. */
export async function bandejaQuery(deps: TrayDeps, p: CuentaPrincipal, codigo: string, query: unknown) {
  const c = await consultaBandeja(deps, p, codigo, query);
  // Wrapped: a query builder is a thenable, and an async function returning it would run it.
  return { query: filas(c, c.f.limite, c.f.despues) };
}

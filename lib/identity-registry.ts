/**
 * Identity registry adapter: checks a person's document against RENIEC / Migraciones and a
 * company's RUC against SUNAT (DESIGN.md, "Identity documents").
 *
 * Two implementations behind one interface:
 *   - `offlineRegistry()`  — format and check digits only (domain/identity.ts). The default when
 *                            no registry URL is configured (development, demos, small entities).
 *   - `httpRegistry(opts)` — asks a thin HTTP service that the institution runs in front of its
 *                            own RENIEC/SUNAT access (PIDE or similar). The contract is ours:
 *
 *   GET {url}/personas/{tipo}/{numero}     tipo ∈ DNI | CE | PTP
 *   GET {url}/empresas/{ruc}
 *     Accept: application/json
 *     Authorization: Bearer {token}        (only when a token is configured)
 *   Path segments are URL-encoded; redirects are not followed.
 *
 *   200 { "nombre": "...", "estado"?: "ACTIVO" | "BAJA DE OFICIO" | ..., "condicion"?: "HABIDO" | "NO HABIDO" }
 *         personas: ok, with `nombre`.
 *         empresas: ok unless `estado` is present and not ACTIVO, or `condicion` is NO HABIDO —
 *                   then refused with a message naming SUNAT's answer.
 *   404   the registry does not know the number → refused ("RENIEC no registra el DNI …").
 *   other status, a 200 whose body is not a JSON object, network error or timeout
 *         → throws `IdentityRegistryUnavailable` (callers answer HTTP 503).
 *
 * A malformed number is refused by the offline check first and never reaches the network.
 * Messages (`motivo`, error messages) are Spanish, shown to the person as is, and never contain
 * the service URL or the token.
 */

import { isTipoDocumento, validateDocumento, validateRuc, type TipoDocumento } from '../domain/identity';

export type Verdict = { ok: true; nombre?: string } | { ok: false; motivo: string };

export interface IdentityRegistry {
  checkPersona(tipo: TipoDocumento, numero: string): Promise<Verdict>;
  checkRuc(ruc: string): Promise<Verdict>;
}

export const REGISTRY_UNAVAILABLE_MESSAGE =
  'No pudimos consultar RENIEC/SUNAT en este momento. Intente nuevamente en unos minutos.';

/** Why the registry could not be consulted — for logs; never contains the URL or the token. */
export type UnavailableReason = 'timeout' | 'red' | 'estado-http' | 'respuesta-invalida';

/**
 * The registry could not answer (down, slow, unexpected status or body). Map to HTTP 503.
 * `message` is the Spanish text for the person; `reason` and `status` are for logs.
 */
export class IdentityRegistryUnavailable extends Error {
  readonly reason: UnavailableReason;
  readonly status: number | undefined;

  constructor(reason: UnavailableReason, status?: number) {
    super(REGISTRY_UNAVAILABLE_MESSAGE);
    this.name = 'IdentityRegistryUnavailable';
    this.reason = reason;
    this.status = status;
  }
}

/** Which authority keeps each kind of identity document. */
const AUTORIDAD: Readonly<Record<TipoDocumento, string>> = Object.freeze({
  DNI: 'RENIEC',
  CE: 'Migraciones',
  PTP: 'Migraciones',
});

// ---------------------------------------------------------------------------------------------
// Offline
// ---------------------------------------------------------------------------------------------

function offlinePersona(tipo: string, numero: string): Verdict {
  const error = validateDocumento(tipo, numero);
  return error === null ? { ok: true } : { ok: false, motivo: error };
}

function offlineRuc(ruc: string): Verdict {
  const error = validateRuc(ruc);
  return error === null ? { ok: true } : { ok: false, motivo: error };
}

/** Format and check digits only; `ok: true` (without `nombre`) when the number is well formed. */
export function offlineRegistry(): IdentityRegistry {
  return {
    async checkPersona(tipo, numero) {
      return offlinePersona(tipo, numero);
    },
    async checkRuc(ruc) {
      return offlineRuc(ruc);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

export interface HttpRegistryOptions {
  /** Base URL of the institution's service, e.g. https://identidad.entidad.gob.pe/api */
  url: string;
  token?: string;
  /** Whole-request budget (connect, headers and body). */
  timeoutMs: number;
  fetchImpl?: typeof fetch;
}

type Answer = { kind: 'found'; body: Record<string, unknown> } | { kind: 'not-found' };

function isAbortOrTimeout(error: unknown): boolean {
  return (
    error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
  );
}

function textField(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}

function normalizado(value: string): string {
  return value.replace(/\s+/g, ' ').toUpperCase();
}

export function httpRegistry(opts: HttpRegistryOptions): IdentityRegistry {
  const base = opts.url.replace(/\/+$/, '');
  const fetchImpl = opts.fetchImpl ?? fetch;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;

  async function consultar(segments: readonly string[]): Promise<Answer> {
    const url = `${base}/${segments.map(encodeURIComponent).join('/')}`;
    const signal = AbortSignal.timeout(opts.timeoutMs);
    let response: Response;
    try {
      response = await fetchImpl(url, { method: 'GET', headers, signal, redirect: 'manual' });
    } catch (error) {
      // Deliberately no `cause`: fetch errors carry the URL (host, port) in their text.
      throw new IdentityRegistryUnavailable(isAbortOrTimeout(error) ? 'timeout' : 'red');
    }
    try {
      if (response.status === 404) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'not-found' };
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => undefined);
        throw new IdentityRegistryUnavailable('estado-http', response.status);
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch (error) {
        if (isAbortOrTimeout(error) || signal.aborted) throw new IdentityRegistryUnavailable('timeout');
        throw new IdentityRegistryUnavailable('respuesta-invalida', 200);
      }
      if (typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new IdentityRegistryUnavailable('respuesta-invalida', 200);
      }
      return { kind: 'found', body: body as Record<string, unknown> };
    } catch (error) {
      if (error instanceof IdentityRegistryUnavailable) throw error;
      throw new IdentityRegistryUnavailable(isAbortOrTimeout(error) ? 'timeout' : 'red');
    }
  }

  return {
    async checkPersona(tipo, numero) {
      const offline = offlinePersona(tipo, numero);
      if (!offline.ok) return offline;
      // validateDocumento accepted it, so `tipo` is a TipoDocumento even if the caller lied.
      const autoridad = isTipoDocumento(tipo) ? AUTORIDAD[tipo] : 'RENIEC';
      const answer = await consultar(['personas', tipo, numero]);
      if (answer.kind === 'not-found') {
        return { ok: false, motivo: `${autoridad} no registra el ${tipo} ${numero}.` };
      }
      const nombre = textField(answer.body, 'nombre');
      return nombre === undefined ? { ok: true } : { ok: true, nombre };
    },

    async checkRuc(ruc) {
      const offline = offlineRuc(ruc);
      if (!offline.ok) return offline;
      const answer = await consultar(['empresas', ruc]);
      if (answer.kind === 'not-found') {
        return { ok: false, motivo: `SUNAT no registra el RUC ${ruc}.` };
      }
      const estado = textField(answer.body, 'estado');
      if (estado !== undefined && normalizado(estado) !== 'ACTIVO') {
        return {
          ok: false,
          motivo: `SUNAT informa que el RUC ${ruc} no está activo (estado ${normalizado(estado)}).`,
        };
      }
      const condicion = textField(answer.body, 'condicion');
      if (condicion !== undefined && normalizado(condicion) === 'NO HABIDO') {
        return {
          ok: false,
          motivo: `SUNAT informa que el RUC ${ruc} tiene la condición de NO HABIDO.`,
        };
      }
      const nombre = textField(answer.body, 'nombre');
      return nombre === undefined ? { ok: true } : { ok: true, nombre };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Factory
// ---------------------------------------------------------------------------------------------

/** The HTTP registry when a URL is configured, otherwise the offline one. */
export function createIdentityRegistry(cfg: {
  url?: string;
  token?: string;
  timeoutMs: number;
}): IdentityRegistry {
  const url = cfg.url?.trim();
  if (!url) return offlineRegistry();
  const token = cfg.token?.trim();
  return httpRegistry({ url, timeoutMs: cfg.timeoutMs, ...(token ? { token } : {}) });
}

// What a staff tray is: its title, the roles that open it, its filter on the expedientes (a named
// modifier of lib/models/expediente.ts, written as the partial indexes) and its order; the filters
// a tray accepts; the link to the Temporal Web UI. The queries are in consulta.ts.
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { forbidden, notFound } from '../errors';
import { STAFF_ROLES, type CuentaPrincipal, type RolCuenta } from '../../domain/principal';
import { isValidDay } from '../../domain/calendar';
import { ESTADOS } from '../../domain/lifecycle';
import { workflowIdFor } from '../../workflows/definitions';

/** The tray modifiers of the Expediente model (null: every case in the caller's sight). */
export type FiltroBandeja = 'porValidar' | 'porRecibir' | 'enProceso' | 'observados' | 'atendidos' | 'vencidos' | 'enTramite';

export interface Bandeja {
  titulo: string;
  roles: readonly RolCuenta[];
  filtro: FiltroBandeja | null;
  /** Mesa de partes opens it for its own observations only (cases still in reception). */
  soloMesa?: boolean;
  orden: { col: 'recibido_en' | 'updated_at' | 'vence_en'; dir: 'asc' | 'desc' };
}

export const SUPERVISION: readonly RolCuenta[] = ['supervisor', 'admin'];
const OFICINA: readonly RolCuenta[] = ['unidad', ...SUPERVISION];
const asc = (col: Bandeja['orden']['col']) => ({ col, dir: 'asc' as const });
const desc = (col: Bandeja['orden']['col']) => ({ col, dir: 'desc' as const });

/** In tab order; each role opens the trays that list it. */
export const BANDEJAS = {
  // What is due first comes first: a subsanado case's plazo runs again from its subsanación's reception.
  'por-validar': { titulo: 'Por validar', roles: ['mesa_partes', ...SUPERVISION], filtro: 'porValidar', orden: asc('vence_en') },
  'por-recibir': { titulo: 'Por recibir', roles: OFICINA, filtro: 'porRecibir', orden: asc('recibido_en') },
  'en-proceso': { titulo: 'En proceso', roles: OFICINA, filtro: 'enProceso', orden: asc('recibido_en') },
  observados: { titulo: 'Observados', roles: ['mesa_partes', ...OFICINA], filtro: 'observados', soloMesa: true, orden: asc('recibido_en') },
  atendidos: { titulo: 'Atendidos', roles: OFICINA, filtro: 'atendidos', orden: desc('updated_at') },
  vencidos: { titulo: 'Vencidos', roles: SUPERVISION, filtro: 'vencidos', orden: asc('vence_en') },
  'sin-accion': { titulo: 'Sin acción', roles: SUPERVISION, filtro: 'enTramite', orden: asc('updated_at') },
  todos: { titulo: 'Todos', roles: STAFF_ROLES, filtro: null, orden: desc('recibido_en') },
} satisfies Record<string, Bandeja>;

export type BandejaCodigo = keyof typeof BANDEJAS;

export const bandejaDef = (codigo: BandejaCodigo): Bandeja => BANDEJAS[codigo];

export const isBandeja = (x: string): x is BandejaCodigo => Object.hasOwn(BANDEJAS, x);

/** The trays a role opens, in tab order. */
export const bandejasDe = (rol: RolCuenta) => (Object.keys(BANDEJAS) as BandejaCodigo[]).filter((b) => bandejaDef(b).roles.includes(rol));

/** The tray `codigo` names, if it exists (404) and the caller's role opens it (403). */
export function bandejaPara(p: CuentaPrincipal, codigo: string): BandejaCodigo {
  if (!isBandeja(codigo)) throw notFound('La bandeja no existe.');
  if (!bandejaDef(codigo).roles.includes(p.rol)) throw forbidden('Esta bandeja no corresponde a su rol.');
  return codigo;
}

/** The Temporal Web UI: one workflow, or the list filtered by a visibility query. */
export function temporalUi(deps: Pick<AppDeps, 'config'>) {
  const base = `${deps.config.temporal.uiUrl}/namespaces/${encodeURIComponent(deps.config.temporal.namespace)}/workflows`;
  return {
    workflow: (numero: string) => `${base}/${encodeURIComponent(workflowIdFor(numero))}`,
    lista: (query: string) => `${base}?query=${encodeURIComponent(query)}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Filters: `desde`, `hasta` (fecha de recepción), `numero`, `asunto`, `documento` (the sender's
// DNI/CE/RUC), `tipo`, `estado`, `unidad`, `vencido=si`; keyset paging by `despues` and `limite`.

const vacio = (v: unknown) => (v === '' ? undefined : v);
const dia = (label: string) => z.preprocess(vacio, z.string().refine(isValidDay, `La fecha «${label}» debe ser AAAA-MM-DD.`).optional());
const texto = (label: string, max: number) => z.preprocess(vacio, z.string().trim().max(max, `${label} no puede tener más de ${max} caracteres.`).optional());

export const filtrosSchema = z.object({
  desde: dia('desde'),
  hasta: dia('hasta'),
  numero: texto('El número', 20),
  asunto: texto('El asunto', 200),
  documento: z.preprocess(vacio, z.string().trim().regex(/^\d{8,11}$/, 'El documento del remitente tiene de 8 a 11 dígitos (DNI, CE, PTP o RUC).').optional()),
  tipo: texto('El tipo de documento', 40),
  estado: z.preprocess(vacio, z.enum(ESTADOS, { error: 'Estado desconocido.' }).optional()),
  unidad: texto('La unidad', 20),
  vencido: z.preprocess((v) => (v === '' || v === undefined ? undefined : ['si', 'on', '1', 'true'].includes(String(v))), z.boolean().optional()),
  despues: z.preprocess(vacio, z.string().max(200, 'El cursor de página no es válido.').optional()),
  limite: z.coerce.number({ error: 'El límite debe ser un número.' }).int('El límite va de 1 a 100.').min(1, 'El límite va de 1 a 100.').max(100, 'El límite va de 1 a 100.').default(20),
});

export type Filtros = z.infer<typeof filtrosSchema>;

/** The filters a page keeps in its links (not the cursor nor the page size). */
export const FILTROS = ['desde', 'hasta', 'numero', 'asunto', 'documento', 'tipo', 'estado', 'unidad', 'vencido'] as const;

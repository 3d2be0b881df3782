// The audit trail of administrative and security changes, newest first, with filters and a keyset cursor.
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { parse } from '../validation';
import { isValidDay } from '../../domain/calendar';
import { ENTIDAD_LABEL, listAudit, type EntidadAuditada } from '../../lib/audit';
import { blank } from './cambios';

const ENTIDADES = Object.keys(ENTIDAD_LABEL) as [EntidadAuditada, ...EntidadAuditada[]];
const dia = (label: string) => z.preprocess(blank, z.string().refine(isValidDay, `${label} debe ser un día válido AAAA-MM-DD.`).nullable().optional());
const auditQuery = z
  .object({
    entidad: z.preprocess(blank, z.enum(ENTIDADES, { error: `La entidad debe ser una de: ${ENTIDADES.join(', ')}.` }).nullable().optional()),
    clave: z.preprocess(blank, z.string().trim().max(100, 'La clave no puede tener más de 100 caracteres.').nullable().optional()),
    desde: dia('La fecha inicio'),
    hasta: dia('La fecha fin'),
    despues: z.preprocess(blank, z.coerce.number({ error: 'El cursor no es válido.' }).int('El cursor no es válido.').positive('El cursor no es válido.').nullable().optional()),
    limite: z.preprocess(blank, z.coerce.number().int().min(1, 'El límite debe estar entre 1 y 100.').max(100, 'El límite debe estar entre 1 y 100.').nullable().optional()),
  })
  .refine((q) => !q.desde || !q.hasta || q.desde <= q.hasta, { message: 'La fecha inicio debe ser anterior o igual a la fecha fin.', path: ['hasta'] });

export type AuditQuery = z.infer<typeof auditQuery>;

/** The trail's filters from a query string (400 on a bad one). */
export function parseAuditQuery(query: unknown): AuditQuery {
  return parse(auditQuery, query);
}

/** One page of the trail; `siguiente` is the cursor of the next page, if there is one. */
export function auditoria(deps: AppDeps, q: AuditQuery) {
  return listAudit(deps.db, {
    entidad: q.entidad ?? undefined,
    clave: q.clave ?? undefined,
    desde: q.desde ?? undefined,
    hasta: q.hasta ?? undefined,
    despues: q.despues ?? undefined,
    limite: q.limite ?? 50,
  });
}

// The public consulta: a case's status by its number and tracking password, no login: state,
// asunto, both dates and the seguimiento (no files, no notes, no personal data).
import { z } from 'zod';
import { formatInstant } from '../../domain/calendar';
import { normalizeClaveSeguimiento, normalizeNumeroExpediente } from '../../domain/formats';
import type { Estado } from '../../domain/lifecycle';
import { Expediente, Historial } from '../../lib/models';
import type { AppDeps } from '../deps';
import { notFound } from '../errors';
import { parse, text } from '../validation';
import { blockedFor, hit, tooMany } from '../throttle';
import { claveCorrecta } from './clave-seguimiento';

/** Failed look-ups allowed per IP and window (429 after that). */
export const CONSULTA_LIMIT = { max: 30, windowMs: 10 * 60_000 };

// As people copy them from the cargo: «10-2026» is 00010-2026; the password in any case, with spaces.
const consultaSchema = z.object({
  numero: z
    .string({ error: 'Ingrese el número de expediente.' })
    .trim()
    .min(1, 'Ingrese el número de expediente.')
    .transform((v, ctx) => normalizeNumeroExpediente(v) ?? (ctx.addIssue({ code: 'custom', message: 'El número tiene la forma 00123-2026.' }), z.NEVER)),
  clave: text('la clave de seguimiento', 4, 40).transform(normalizeClaveSeguimiento),
});

export interface ConsultaPublica {
  numero: string;
  estado: Estado;
  asunto: string;
  fechaPresentacion: string | null;
  fechaRecepcion: string | null;
  seguimiento: { accion: string; estadoNuevo: Estado; unidad: string | null; ocurridoEn: string }[];
}

/**
 * The public status of a case, asked from `ip`; a wrong number or password is the same neutral
 * 404, and counts against the IP's failed look-ups (429 once spent).
 */
export async function consultaPublica(deps: AppDeps, ip: string, input: unknown): Promise<ConsultaPublica> {
  const q = parse(consultaSchema, input);
  const now = deps.clock.now();
  const limit = { key: `consulta-ip:${ip}`, ...CONSULTA_LIMIT };
  const wait = await blockedFor(deps.db, limit, now);
  if (wait) throw tooMany(wait, 'Demasiadas consultas.');
  const exp = await Expediente.query(deps.db).findOne({ numero: q.numero });
  if (!exp || !claveCorrecta(deps.config, exp, q.clave)) {
    await hit(deps.db, limit, now);
    throw notFound('No encontramos un expediente con ese número y clave.');
  }
  const historial = await Historial.query(deps.db).where({ expediente_id: exp.id }).orderBy('secuencia');
  return {
    numero: exp.numero,
    estado: exp.estado,
    asunto: exp.asunto,
    fechaPresentacion: exp.fecha_presentacion,
    fechaRecepcion: exp.recibido_en ? formatInstant(new Date(exp.recibido_en)) : null,
    seguimiento: historial.map((h) => ({ accion: h.accion, estadoNuevo: h.estado_nuevo, unidad: h.unidad, ocurridoEn: formatInstant(new Date(h.ocurrido_en)) })),
  };
}

// How the domain writes its values, written once: the expediente number, Lima's time, the
// casilla's notification kinds. Pure: shared by workflows, activities, services and pages.

/** An expediente number: zero-padded per year, e.g. 00123-2026 (DESIGN.md "Numbers"). */
export const NUMERO_EXPEDIENTE = /^\d{5}-\d{4}$/;

export const LIMA_TIME_ZONE = 'America/Lima';
// Peru has no daylight saving time: the offset is fixed all year.
export const LIMA_UTC_OFFSET = '-05:00';
export const LIMA_OFFSET_MS = 5 * 3_600_000;

export type NotificacionTipo = 'OBSERVACION' | 'ATENCION' | 'ARCHIVO' | 'NOTIFICACION';

/** How each kind of notification is announced and which document it is when staff name none. */
export const NOTIFICACION_TIPO: Readonly<Record<NotificacionTipo, { titulo: string; documento: string }>> = {
  OBSERVACION: { titulo: 'Se formularon observaciones', documento: 'Notificación de observaciones' },
  ATENCION: { titulo: 'Se atendió su solicitud', documento: 'Documento de respuesta' },
  ARCHIVO: { titulo: 'Se archivó su expediente', documento: 'Notificación de archivo' },
  NOTIFICACION: { titulo: 'Nueva notificación', documento: 'Notificación' },
};

const sinTildes = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('es-PE');

/**
 * A notified document's number as staff wrote it, on one line, without the type's name in front
 * when they wrote it there too: the type «Informe» with «Informe N.º 045-2026-OAJ» is numbered
 * «N.º 045-2026-OAJ», and every print («tipo número») reads «Informe N.º 045-2026-OAJ» once.
 */
export function numeroSinTipo(tipo: string, numero: string): string {
  const n = numero.normalize('NFC').trim().replace(/\s+/g, ' ');
  const prefijo = `${tipo.normalize('NFC').trim()} `;
  const resto = n.slice(prefijo.length).trim();
  return prefijo.length > 1 && resto && sinTildes(n.slice(0, prefijo.length)) === sinTildes(prefijo) ? resto : n;
}

const pad2 = (n: number) => String(n).padStart(2, '0');
/** An instant as 'dd/mm/aaaa hh:mm' in Lima time (pages, mails). */
export function fechaHora(value: Date | string | null | undefined) {
  if (!value) return '';
  const d = new Date(new Date(value).getTime() - LIMA_OFFSET_MS);
  return `${pad2(d.getUTCDate())}/${pad2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

/** Weekday names by `getUTCDay()` (0 = domingo). */
export const DIAS_SEMANA = ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'] as const;
/** An instant written out with its weekday, in Lima time: 'martes 01/12/2026, 23:59' (a deadline as people read it). */
export function fechaHoraConDia(value: Date | string | null | undefined) {
  if (!value) return '';
  const d = new Date(new Date(value).getTime() - LIMA_OFFSET_MS);
  return `${DIAS_SEMANA[d.getUTCDay()]} ${pad2(d.getUTCDate())}/${pad2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}, ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
}

// What people paste or type from a printed cargo: lower case, spaces, dashes missing or doubled.

/**
 * A verification code as stored ('XXXX-XXXX-XXXX', capitals), from how it was typed:
 * ` wbga5yjd34y4 `, `WBGA - 5YJD - 34Y4`, `wbga–5yjd–34y4`; null when it cannot be one.
 */
export function normalizeCodigoVerificacion(raw: string): string | null {
  const s = raw.normalize('NFKC').toUpperCase().replace(/[\s\p{Pd}_.]+/gu, '');
  return /^[A-Z0-9]{12}$/.test(s) ? `${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}` : null;
}

/**
 * An expediente number as stored ('00010-2026'), from `10-2026`, `00010-2026`, ` 10 / 2026 `,
 * `000010-2026`; null when it cannot be one.
 */
export function normalizeNumeroExpediente(raw: string): string | null {
  const m = /^0*(\d{1,5})\s*[\p{Pd}/]\s*(\d{4})$/u.exec(raw.normalize('NFKC').trim());
  return m ? `${m[1].padStart(5, '0')}-${m[2]}` : null;
}

/** A tracking password (clave de seguimiento) as issued: capitals, no spaces. */
export const normalizeClaveSeguimiento = (raw: string) => raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();

// What an action must carry to be taken (DESIGN.md "Expediente lifecycle"), beyond who may take it
// in which state (lifecycle.ts). Pure: the workflow's Update validators and the API call the same rules.

/** A refused input: the Spanish reason and the request field it is about (the API's `campo`). */
export interface InputRefusal {
  reason: string;
  field: string;
}

/** A file an action carries, as the rules see it; files recorded before 2026-11-29 carry no type. */
export interface ArchivoFacts {
  mime?: string;
}

const PDF = 'application/pdf';

/** Derivar moves the case to another office: to the one that holds it, it would move nothing. */
export function derivarInputRefusal(c: { unidad: string | null }, input: { unidad: string }): InputRefusal | null {
  return input.unidad === c.unidad ? { reason: 'El expediente ya está en esa unidad.', field: 'unidad' } : null;
}

/** The longest number an office may give its response document («Informe N.º 045-2026-OAJ»). */
export const NUMERO_RESPUESTA_MAX = 80;

/** What atender carries: the response PDF and, optionally, its document type (a catalogue code) and number. */
export interface AtenderFacts {
  documentos: readonly ArchivoFacts[];
  tipoDocumento?: string | null;
  numeroDocumento?: string | null;
}

/**
 * Atender carries the response document, a PDF: it is what reaches the citizen's casilla. The office
 * may name its type, one of the catalogue's (`tipos`, the active codes: given where they can be
 * read, the API; the workflow's validator has no catalogue) and its number as the office writes it,
 * up to 80 printable characters; without them the system names and numbers it.
 */
export function atenderInputRefusal(input: AtenderFacts, tipos?: { has(codigo: string): boolean }): InputRefusal | null {
  const pdf = input.documentos.length > 0 && input.documentos.every((d) => d.mime === undefined || d.mime === PDF);
  if (!pdf) return { reason: 'Adjunte el documento de respuesta en PDF.', field: 'respuesta' };
  if (input.tipoDocumento && tipos && !tipos.has(input.tipoDocumento)) {
    return { reason: 'El tipo del documento de respuesta no existe en el catálogo de tipos de documento.', field: 'tipoDocumentoRespuesta' };
  }
  const numero = input.numeroDocumento ?? '';
  if ([...numero].length > NUMERO_RESPUESTA_MAX) {
    return { reason: `El número del documento de respuesta no puede tener más de ${NUMERO_RESPUESTA_MAX} caracteres.`, field: 'numeroDocumentoRespuesta' };
  }
  if (/\p{C}/u.test(numero)) {
    return { reason: 'El número del documento de respuesta solo admite caracteres imprimibles, en una línea.', field: 'numeroDocumentoRespuesta' };
  }
  return null;
}

/** Subsanar answers the observation with files, or at least says how it is corrected. */
export function subsanarInputRefusal(input: { nota?: string | null; documentos: readonly unknown[] }): InputRefusal | null {
  if (input.documentos.length > 0 || (input.nota ?? '').trim()) return null;
  return { reason: 'Adjunte los documentos o describa cómo subsana las observaciones.', field: 'nota' };
}

/** A notification deposits documents in the filer's casilla: without one there is nothing to notify. */
export function notificarInputRefusal(input: { documentos: readonly unknown[] }): InputRefusal | null {
  return input.documentos.length > 0 ? null : { reason: 'Adjunte el documento a notificar.', field: 'documentos' };
}

/** An escrito is a document: its principal, a PDF, comes first; its anexos follow. */
export function escritoInputRefusal(input: { documentos: readonly ArchivoFacts[] }): InputRefusal | null {
  const principal = input.documentos[0];
  return principal && (principal.mime === undefined || principal.mime === PDF) ? null : { reason: 'Adjunte el escrito en PDF (documento principal).', field: 'principal' };
}

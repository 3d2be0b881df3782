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

/** Atender carries the response document, a PDF: it is what reaches the citizen's casilla. */
export function atenderInputRefusal(input: { documentos: readonly ArchivoFacts[] }): InputRefusal | null {
  const pdf = input.documentos.length > 0 && input.documentos.every((d) => d.mime === undefined || d.mime === PDF);
  return pdf ? null : { reason: 'Adjunte el documento de respuesta en PDF.', field: 'respuesta' };
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

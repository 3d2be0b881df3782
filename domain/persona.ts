// How a person or company is named on pages, mails and documents. Pure.

/** Razón social for a company; otherwise nombres and apellidos. */
export function displayName(c: { nombres?: string | null; apellido_paterno?: string | null; apellido_materno?: string | null; razon_social?: string | null }) {
  if (c.razon_social) return c.razon_social;
  return [c.nombres, c.apellido_paterno, c.apellido_materno].filter(Boolean).join(' ');
}

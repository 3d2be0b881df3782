// Filings built by hand: the input of fileExpediente (a case recorded without the HTTP layer,
// its workflow not started), and the text a multipart filing sends before its PDF's bytes (for
// uploads a test keeps open, slows down or cuts).
import type { FilingInput } from '../../services/expedientes/registro';

let seq = 0;

/** A letter without files, filed now; `fields` overrides any part. */
export function filingInput(asunto: string, fields: Partial<FilingInput> = {}, now = new Date()): FilingInput {
  return {
    tipoDocumento: 'CARTA',
    numeroDocumento: 'S/N',
    asunto,
    contenido: '',
    antecedente: null,
    destino: null,
    folios: 1,
    remitente: 'Ciudadano Demo',
    fechaPresentacion: now.toISOString().slice(0, 10),
    recibidoEn: now,
    claveHash: 'x',
    clave: 'ABCD1234',
    codigoVerificacion: `PRUEBA-${process.pid}-${now.getTime()}-${++seq}`,
    archivos: [],
    ...fields,
  };
}

/** A solicitud's fields and the part header of its principal PDF, up to the file's first byte. */
export function filingHead(boundary: string, asunto: string, filename: string) {
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return (
    field('tipoDocumento', 'SOLICITUD') +
    field('asunto', asunto) +
    field('aceptaPrivacidad', 'true') +
    `--${boundary}\r\nContent-Disposition: form-data; name="principal"; filename="${filename}"\r\nContent-Type: application/pdf\r\n\r\n`
  );
}

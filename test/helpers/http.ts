// A logged-in HTTP client for tests: keeps the session cookie and sends the CSRF token; and the
// multipart requests the portal sends.
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { TEST_PASSWORD } from './stack';
import { freshCode, rememberSecret } from './totp';

/**
 * A JSON answer as the tests read it: they assert on its shape, so any property at any depth may be
 * read. The one place the type is left open.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the app's JSON answers, asserted by each test
export type Json = any;

export interface Client {
  cookie: string;
  csrf: string;
  get(path: string, headers?: Record<string, string>): Promise<Response>;
  json(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Json }>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Json }>;
}

export function cookiesFrom(res: Response): string {
  return res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((c) => !c.endsWith('='))
    .join('; ');
}

/**
 * Logs in through the API. An account with a second factor answers 202 with a desafío: the
 * helper then sends a code of a step the account has not used yet, as a person with the app would.
 */
export async function loginAs(base: string, usuario: string, password = TEST_PASSWORD): Promise<Client> {
  const send = (path: string, body: unknown) =>
    fetch(`${base}/api/v1/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) });
  let res = await send('sesiones', { usuario, password });
  let body = (await res.json()) as Json;
  if (res.status === 202 && body.segundoFactor === 'totp') {
    res = await send('sesiones/segundo-factor', { desafio: body.desafio, codigo: await freshCode(base, usuario) });
    body = (await res.json()) as Json;
  }
  if (res.status !== 200) throw new Error(`login ${usuario}: ${res.status} ${JSON.stringify(body)}`);
  return clientWith(base, cookiesFrom(res), body.csrfToken);
}

/** Enrols the logged-in account in TOTP through the API; the tests' app keeps its secret. */
export async function enrolTotp(base: string, c: Client, usuario: string) {
  const started = await c.post('/api/v1/cuentas/segundo-factor');
  if (started.status !== 201) throw new Error(`enrol ${usuario}: ${started.status} ${JSON.stringify(started.body)}`);
  const secreto = started.body.secreto as string;
  const confirmed = await c.post('/api/v1/cuentas/segundo-factor/confirmacion', { codigo: await freshCode(base, usuario, secreto) });
  if (confirmed.status !== 200) throw new Error(`enrol ${usuario}: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  rememberSecret(base, usuario, secreto);
  return { ...started.body, codigosRecuperacion: confirmed.body.codigosRecuperacion as string[] } as { secreto: string; otpauthUrl: string; qr: string; codigosRecuperacion: string[] };
}

export function clientWith(base: string, cookie: string, csrf: string): Client {
  const json = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', cookie, 'x-csrf-token': csrf, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    cookie,
    csrf,
    get: (path, headers = {}) => fetch(`${base}${path}`, { headers: { accept: 'application/json', cookie, ...headers } }),
    json,
    post: (path, body, headers) => json('POST', path, body ?? {}, headers),
  };
}


/** A real PDF of `pages` pages, with `text` on the first. */
export async function makePdf(pages = 1, text = 'Documento de prueba'): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) doc.addPage([595.28, 841.89]).drawText(i === 0 ? text : `Página ${i + 1}`, { x: 50, y: 780, size: 14, font });
  return doc.save();
}

export interface FilingFields {
  tipoDocumento?: string;
  numeroDocumento?: string;
  asunto?: string;
  contenido?: string;
  antecedente?: string;
  destino?: string;
  folios?: string;
  remitente?: string;
  aceptaPrivacidad?: string;
}

/** Files an expediente as the portal does: multipart with a principal PDF and optional anexos. */
export async function fileMultipart(
  base: string,
  auth: { cookie?: string; csrf?: string; bearer?: string },
  fields: FilingFields = {},
  files: { principal?: Uint8Array | null; anexos?: { name: string; data: Uint8Array; type?: string }[]; principalName?: string } = {},
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  const all = { tipoDocumento: 'SOLICITUD', numeroDocumento: 'S/N', asunto: 'Solicito copia certificada de resolución', contenido: '', aceptaPrivacidad: 'true', ...fields };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) form.append(k, v);
  const principal = files.principal === undefined ? await makePdf(2) : files.principal;
  if (principal) form.append('principal', new Blob([principal as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), files.principalName ?? 'solicitud.pdf');
  for (const a of files.anexos ?? []) form.append('anexos', new Blob([a.data as Uint8Array<ArrayBuffer>], { type: a.type ?? 'application/octet-stream' }), a.name);
  const h: Record<string, string> = { accept: 'application/json', ...headers };
  if (auth.cookie) h.cookie = auth.cookie;
  if (auth.csrf) h['x-csrf-token'] = auth.csrf;
  if (auth.bearer) h.authorization = `Bearer ${auth.bearer}`;
  const res = await fetch(`${base}/api/v1/expedientes`, { method: 'POST', headers: h, body: form });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Sends an action with a multipart body (atender, subsanar, actualizar). */
export async function actionMultipart(base: string, c: Client, numero: string, accion: string, fields: Record<string, string>, files: { field: string; name: string; data: Uint8Array; type?: string }[] = []) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  for (const f of files) form.append(f.field, new Blob([f.data as Uint8Array<ArrayBuffer>], { type: f.type ?? 'application/pdf' }), f.name);
  const res = await fetch(`${base}/api/v1/expedientes/${numero}/${accion}`, {
    method: 'POST',
    headers: { accept: 'application/json', cookie: c.cookie, 'x-csrf-token': c.csrf },
    body: form,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/**
 * Another account beside the demo ones (a second clerk of an office, a second citizen…), with the
 * demo password, logged in. `db` is the test's own database.
 */
export async function extraAccount(
  base: string,
  db: import('knex').Knex,
  email: string,
  fields: { rol: string; unidad_codigo?: string | null; tipo_documento?: string; numero_documento?: string; nombres?: string },
): Promise<Client> {
  const { password_hash } = await db('cuentas').where({ email: 'mesa@demo.gob.pe' }).first('password_hash');
  await db('cuentas').insert({ tipo_persona: 'NATURAL', password_hash, email, email_verificado_en: new Date(), nombres: 'Cuenta', apellido_paterno: 'De Prueba', ...fields });
  return loginAs(base, email);
}

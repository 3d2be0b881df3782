// Filing (presentar): a citizen or another institution's system sends a document with its anexos;
// it gets its number, its tracking password and its cargo, and the case's workflow starts.
import { z } from 'zod';
import { formatInstant } from '../../domain/calendar';
import { normalizeNumeroExpediente } from '../../domain/formats';
import type { Estado } from '../../domain/lifecycle';
import type { Principal } from '../../domain/principal';
import { newVerificationCode } from '../../lib/documents';
import { Expediente } from '../../lib/models';
import type { AppDeps } from '../deps';
import { badRequest } from '../errors';
import { parse, text } from '../validation';
import { activeCatalog } from './catalogos';
import { claveHash, nuevaClave } from './clave-seguimiento';
import { fileExpediente } from './registro';
import { filingRules, type ReadUpload, type UploadedFile } from './uploads';

/** Folios: a positive whole number, or left out (the PDF's pages are counted instead). */
export const folios = z.preprocess(
  (v) => (v === '' || v === undefined ? undefined : Number(v)),
  z
    .number({ error: 'Los folios deben ser un número entero.' })
    .int('Los folios deben ser un número entero.')
    .min(1, 'Los folios deben ser al menos 1.')
    .max(100_000, 'Los folios no pueden ser más de 100 000.')
    .optional(),
);

const filingSchema = z.object({
  tipoDocumento: text('el tipo de documento', 1, 40),
  numeroDocumento: z.preprocess((v) => (v === undefined || v === '' ? 'S/N' : v), text('el número de documento', 1, 60)),
  asunto: text('el asunto', 3, 500),
  contenido: z.string().trim().max(4000, 'El contenido no puede tener más de 4000 caracteres.').default(''),
  antecedente: z.preprocess(
    (v) => (typeof v === 'string' && !v.trim() ? undefined : v),
    z
      .string()
      .transform((v, ctx) => normalizeNumeroExpediente(v) ?? (ctx.addIssue({ code: 'custom', message: 'El antecedente debe ser un número de expediente como 00123-2026.' }), z.NEVER))
      .optional(),
  ),
  destino: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().max(20).optional()),
  // Checked with the fields (set from the files received), so the form names every problem at once.
  principal: z.literal(true, { error: 'Adjunte el documento principal en PDF.' }),
  folios,
  remitente: z.string().trim().max(200).optional(),
  aceptaPrivacidad: z.preprocess((v) => v === 'true' || v === 'on' || v === '1' || v === true, z.literal(true, { error: 'Debe aceptar la política de privacidad.' })),
});
type FilingFields = z.infer<typeof filingSchema>;

export interface PresentarInput {
  /** The client's Idempotency-Key: a retried filing finds the first one instead of filing twice. */
  idempotencyKey?: string;
  readUpload: ReadUpload;
}

/** What the filer gets back: the cargo's data, and the tracking password once. */
export interface Presentado {
  numero: string;
  estado: Estado;
  fechaPresentacion: string;
  fechaRecepcion: string;
  claveSeguimiento: string | null;
  cargoUrl: string;
  codigoVerificacion: string;
  folios: number;
  fueraDeHorario: boolean;
}

/** Files a case for `p` (a citizen or a system: the route map lets no staff account in). */
export async function presentarExpediente(deps: AppDeps, p: Principal, input: PresentarInput): Promise<Presentado> {
  // In flight from the first byte: under a burst of filings their workflows start right after.
  const leave = deps.starter.enter();
  try {
    return await presentar(deps, p, input);
  } finally {
    leave();
  }
}

async function presentar(deps: AppDeps, p: Principal, input: PresentarInput): Promise<Presentado> {
  const key = input.idempotencyKey || undefined;
  if (key && !/^[\w.:-]{8,200}$/.test(key)) throw badRequest('La cabecera Idempotency-Key debe tener entre 8 y 200 caracteres (letras, números, . : _ -).');
  // Every file stored (and scanned clean, with an antivirus) before a number is taken.
  const { fields, files } = await input.readUpload(await filingRules(deps));
  const d = parse(filingSchema, { ...fields, principal: files.some((f) => f.field === 'principal') || undefined });
  const plazoAtencionDias = await checkReferences(deps, p, d);
  const remitente = remitenteOf(p, d);
  const now = deps.clock.now();
  const { presentacion, recepcion } = await deps.calendar.presentacion(now);
  const clave = nuevaClave();
  const codigoVerificacion = newVerificationCode();
  const { row, created } = await fileExpediente(
    deps.db,
    {
      tipoDocumento: d.tipoDocumento,
      numeroDocumento: d.numeroDocumento,
      asunto: d.asunto,
      contenido: d.contenido,
      antecedente: d.antecedente ?? null,
      destino: d.destino ?? null,
      folios: d.folios ?? Math.max(pagesOf(files), 1),
      remitente,
      fechaPresentacion: presentacion,
      recibidoEn: recepcion,
      clave,
      claveHash: claveHash(deps.config, codigoVerificacion, clave),
      codigoVerificacion,
      archivos: files.map((f) => ({ ...f, rol: f.field === 'principal' ? ('PRINCIPAL' as const) : ('ANEXO' as const) })),
      idempotencyKey: key,
      cuentaId: p.kind === 'cuenta' ? p.cuentaId : null,
      apiTokenId: p.kind === 'sistema' ? p.tokenId : null,
    },
    now,
  );
  await deps.starter.start(row, created ? plazoAtencionDias : undefined);
  // Shown once; a retried request gets it only while the cargo that prints it is being made.
  const pendiente = created ? clave : ((await Expediente.query(deps.db).findById(row.id).select('clave_pendiente'))?.clave_pendiente ?? null);
  return receipt(row, pendiente);
}

/** The document type, the destination and the antecedente exist; returns the type's plazo. */
async function checkReferences(deps: AppDeps, p: Principal, d: FilingFields): Promise<number | null> {
  const catalog = await activeCatalog(deps.db, deps.config);
  const tipo = catalog.tipos.get(d.tipoDocumento);
  if (!tipo) throw badRequest('El tipo de documento no existe.', 'tipoDocumento');
  if (d.destino && !catalog.unidades.has(d.destino)) throw badRequest('El destino no existe.', 'destino');
  if (d.antecedente && !(await Expediente.query(deps.db).modify('visibleTo', p).findOne({ numero: d.antecedente }))) {
    throw badRequest('El expediente antecedente no existe o no le pertenece.', 'antecedente');
  }
  return tipo.plazoAtencionDias;
}

/** A citizen files in their own name; a system names who it files for. */
function remitenteOf(p: Principal, d: FilingFields): string {
  if (p.kind !== 'sistema') return p.nombre;
  if (!d.remitente) throw badRequest('Ingrese el remitente.', 'remitente');
  return d.remitente;
}

const pagesOf = (files: UploadedFile[]) => files.reduce((n, f) => n + (f.paginas ?? 0), 0);

function receipt(row: Expediente, claveSeguimiento: string | null): Presentado {
  const recibido = new Date(row.recibido_en ?? row.presentado_en);
  return {
    numero: row.numero,
    estado: row.estado,
    fechaPresentacion: row.fecha_presentacion ?? '',
    fechaRecepcion: formatInstant(recibido),
    claveSeguimiento,
    cargoUrl: `/api/v1/expedientes/${row.numero}/cargo.pdf`,
    codigoVerificacion: row.codigo_verificacion ?? '',
    folios: row.folios ?? 1,
    fueraDeHorario: recibido.getTime() !== new Date(row.presentado_en).getTime(),
  };
}

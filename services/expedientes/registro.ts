// Recording a filing: the next gapless number of its year and the expediente with its documents
// in one statement (services/expedientes/presentar.ts starts its workflow right after; a filing
// whose workflow could not be started yet is kept and started later by the sweeper).
import type { Knex } from 'knex';
import { limaDay } from '../../domain/calendar';
import { Expediente } from '../../lib/models';
import { groupCommit } from './group-commit';
import type { UploadedFile } from './uploads';

export interface FilingInput {
  tipoDocumento: string;
  numeroDocumento: string;
  asunto: string;
  contenido: string;
  antecedente: string | null;
  destino: string | null;
  folios: number;
  remitente: string;
  fechaPresentacion: string;
  recibidoEn: Date;
  /** The stored hash of the tracking password (keyed by the verification code, not the number). */
  claveHash: string;
  clave: string;
  codigoVerificacion: string;
  archivos: (UploadedFile & { rol: 'PRINCIPAL' | 'ANEXO' })[];
  idempotencyKey?: string;
  cuentaId?: number | null;
  apiTokenId?: number | null;
}

export const formatNumero = (correlativo: number, anio: number) => `${String(correlativo).padStart(5, '0')}-${anio}`;

class DuplicateKey extends Error {}

export interface Filed {
  row: Expediente;
  created: boolean;
}
interface FilingJob {
  input: FilingInput;
  now: Date;
  anio: number;
  scopedKey?: string;
}

const filers = new WeakMap<Knex, (job: FilingJob) => Promise<Filed>>();

/**
 * Records a filing with the next number of its year, or finds the one filed before with the same
 * idempotency key.
 *
 * Numbers have no gaps: the year's counter row is locked from the moment a number is taken until
 * the filing commits, so filings take turns there, and each turn lasts a commit (a WAL flush).
 * One filing per turn would cap a whole installation at one filing per flush, so filings that
 * arrive while a turn is running wait and go together in the next one (group commit): one
 * statement takes n numbers and inserts n expedientes with their documents, so a turn lasts one
 * round trip. If that statement fails (one bad filing, a key filed meanwhile by another process),
 * it takes nothing and each of its filings is tried again alone: a bad filing fails by itself and
 * gives its number back.
 */
export function fileExpediente(db: Knex, input: FilingInput, now = new Date()): Promise<Filed> {
  // An idempotency key belongs to whoever sent it: another filer's key never finds this case.
  const scopedKey = input.idempotencyKey ? `${input.cuentaId ?? ''}:${input.apiTokenId ?? ''}:${input.idempotencyKey}` : undefined;
  let file = filers.get(db);
  if (!file) {
    file = groupCommit<FilingJob, Filed>((jobs) => fileTogether(db, jobs));
    filers.set(db, file);
  }
  return file({ input, now, anio: Number(limaDay(now).slice(0, 4)), scopedKey });
}

async function fileTogether(db: Knex, jobs: FilingJob[]): Promise<(Filed | Error)[]> {
  // The same key twice in one batch (a double click): the first files, the others find it after.
  const firsts = new Map<string, FilingJob>();
  const batch = jobs.filter((j) => !j.scopedKey || (!firsts.has(j.scopedKey) && firsts.set(j.scopedKey, j)));
  const results = new Map<FilingJob, Filed | Error>();
  try {
    const rows = await insertFilings(db, batch);
    batch.forEach((j, i) => results.set(j, { row: rows[i], created: true }));
  } catch (err) {
    if (batch.length === 1 && !(err instanceof DuplicateKey)) results.set(batch[0], err as Error);
    else {
      for (const j of batch) {
        try {
          results.set(j, { row: (await insertFilings(db, [j]))[0], created: true });
        } catch (e) {
          results.set(j, e instanceof DuplicateKey ? { row: await findByKey(db, j.scopedKey!), created: false } : (e as Error));
        }
      }
    }
  }
  return Promise.all(
    jobs.map(async (j) => results.get(j) ?? { row: await findByKey(db, j.scopedKey!), created: false }),
  );
}

// Only called for a key that a filing took: it exists.
const findByKey = async (db: Knex, key: string) => (await Expediente.query(db).findOne({ idempotency_key: key }))!;

// The number and the workflow id in SQL, as formatNumero and workflowIdFor write them (a test
// checks that they agree): the correlativo padded to at least 5 digits, then the year.
const PADDED_SQL = `lpad(x.nuevo_correlativo::text, greatest(5, length(x.nuevo_correlativo::text)), '0')`;
const NUMERO_SQL = `${PADDED_SQL} || '-' || x.anio`;
const WORKFLOW_ID_SQL = `'expediente-' || x.anio || '-' || ${PADDED_SQL}`;

/**
 * The numbers and the expedientes with their documents, in one statement per year: the counter
 * row is locked from the moment the numbers are taken until the statement commits, one round
 * trip later. A failed statement (a bad filing, a key filed meanwhile by another process) takes
 * nothing: the counter goes back with it.
 */
async function insertFilings(db: Knex, jobs: FilingJob[]): Promise<Expediente[]> {
  const out = new Map<FilingJob, Expediente>();
  for (const anio of [...new Set(jobs.map((j) => j.anio))].sort()) {
    const ofYear = jobs.filter((j) => j.anio === anio);
    const filings = ofYear.map((j) => {
      const input = j.input;
      return {
        anio,
        estado: 'PENDIENTE_VALIDACION',
        tipo_documento: input.tipoDocumento,
        numero_documento: input.numeroDocumento,
        asunto: input.asunto,
        contenido: input.contenido,
        antecedente: input.antecedente,
        destino: input.destino,
        folios: input.folios,
        remitente: input.remitente,
        unidad: null,
        idempotency_key: j.scopedKey ?? null,
        cuenta_id: input.cuentaId ?? null,
        api_token_id: input.apiTokenId ?? null,
        presentado_en: j.now,
        fecha_presentacion: input.fechaPresentacion,
        recibido_en: input.recibidoEn,
        clave_hash: input.claveHash,
        clave_pendiente: input.clave,
        codigo_verificacion: input.codigoVerificacion,
      };
    });
    // Each document names its filing by position (1, 2, …) until the filing has an id.
    const docs = ofYear.flatMap((j, i) => j.input.archivos.map((f) => documentRow(i + 1, f.rol, f, j.input.cuentaId ?? null, j.now)));
    const cols = Object.keys(filings[0]);
    const docCols = Object.keys(documentRow(0, '', {} as UploadedFile, null, new Date())).filter((c) => c !== 'expediente_id');
    const list = (names: string[], prefix = '') => names.map((c) => `${prefix}"${c}"`).join(', ');
    let rows: (Record<string, unknown> & { posicion: number })[];
    try {
      ({ rows } = await db.raw(
        `with n as (
           insert into expediente_counters as c (anio, ultimo) values (?, ?)
           on conflict (anio) do update set ultimo = c.ultimo + excluded.ultimo
           returning ultimo - ? as antes
         ),
         x as (
           select f.*, (n.antes + f.ordinality)::int as nuevo_correlativo, f.ordinality::int as posicion
           from n, jsonb_populate_recordset(null::expedientes, ?::jsonb) with ordinality as f
         ),
         e as (
           insert into expedientes (numero, correlativo, workflow_id, ${list(cols)})
           select ${NUMERO_SQL}, x.nuevo_correlativo, ${WORKFLOW_ID_SQL}, ${list(cols, 'x.')}
           from x order by x.posicion
           returning *
         ),
         d as (
           insert into documentos (expediente_id, ${list(docCols)})
           select e.id, ${list(docCols, 'y.')}
           from jsonb_populate_recordset(null::documentos, ?::jsonb) with ordinality as y
           join e on e.correlativo = (select antes from n) + y.expediente_id
           order by y.ordinality
         )
         select e.*, e.correlativo - (select antes from n) as posicion from e`,
        [anio, ofYear.length, ofYear.length, JSON.stringify(filings), JSON.stringify(docs)],
      ));
    } catch (err) {
      // A key filed meanwhile (by another process, or before this batch): nothing was taken.
      if ((err as { code?: string; constraint?: string }).code === '23505' && /idempotency_key/.test((err as { constraint?: string }).constraint ?? '')) {
        throw new DuplicateKey();
      }
      throw err;
    }
    for (const { posicion, ...row } of rows) out.set(ofYear[posicion - 1], Expediente.fromDatabaseJson(row));
  }
  return jobs.map((j) => out.get(j)!);
}

export function documentRow(expedienteId: number, rol: string, f: UploadedFile, cuentaId: number | null, now: Date) {
  return {
    expediente_id: expedienteId,
    rol,
    nombre: f.filename,
    sha256: f.key,
    bytes: f.size,
    mime: f.mime,
    paginas: f.paginas ?? null,
    subido_por: cuentaId,
    subido_en: now,
  };
}

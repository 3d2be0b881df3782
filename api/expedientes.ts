// Filing: allocate the next gapless number and record the filing with its documents in one
// transaction, then start the case's workflow. A filing whose workflow could not be started yet is
// kept and started later by the sweeper; starting is idempotent (the workflow id is the number).
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { limaDay } from '../domain/calendar';
import { WORKFLOW_TYPE, searchAttributes, workflowIdFor, type ExpedienteInput } from '../workflows/definitions';
import type { Config } from '../lib/config';
import { dbCache } from '../lib/settings';
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
  /** The stored hash of the tracking password, which depends on the number given here. */
  claveHash: (numero: string) => string;
  clave: string;
  codigoVerificacion: string;
  archivos: (UploadedFile & { rol: 'PRINCIPAL' | 'ANEXO' })[];
  idempotencyKey?: string;
  cuentaId?: number | null;
  apiTokenId?: number | null;
}

export interface ExpedienteRow {
  id: number;
  numero: string;
  estado: string;
  tipo_documento: string;
  unidad: string | null;
  presentado_en: Date;
  recibido_en: Date | null;
  workflow_iniciado_en: Date | null;
  [k: string]: unknown;
}

export const formatNumero = (correlativo: number, anio: number) => `${String(correlativo).padStart(5, '0')}-${anio}`;

class DuplicateKey extends Error {}

type Filed = { row: ExpedienteRow; created: boolean };
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
 * transaction takes n numbers and inserts n expedientes with their documents. If that transaction
 * fails (one bad filing, a key filed meanwhile by another process), it rolls back whole and each
 * of its filings is tried again alone: a bad filing fails by itself and gives its number back.
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
    const rows = await db.transaction((trx) => insertFilings(trx, batch));
    batch.forEach((j, i) => results.set(j, { row: rows[i], created: true }));
  } catch (err) {
    if (batch.length === 1 && !(err instanceof DuplicateKey)) results.set(batch[0], err as Error);
    else {
      for (const j of batch) {
        try {
          results.set(j, { row: (await db.transaction((trx) => insertFilings(trx, [j])))[0], created: true });
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

const findByKey = (db: Knex, key: string) => db('expedientes').where({ idempotency_key: key }).first() as Promise<ExpedienteRow>;

/** In one transaction: the numbers (per year) and the expedientes with their documents. */
async function insertFilings(trx: Knex.Transaction, jobs: FilingJob[]): Promise<ExpedienteRow[]> {
  const numeros = new Map<FilingJob, { numero: string; correlativo: number }>();
  for (const anio of [...new Set(jobs.map((j) => j.anio))].sort()) {
    const ofYear = jobs.filter((j) => j.anio === anio);
    const [{ ultimo }] = await trx('expediente_counters')
      .insert({ anio, ultimo: ofYear.length })
      .onConflict('anio')
      .merge({ ultimo: trx.raw('expediente_counters.ultimo + ?', [ofYear.length]) })
      .returning('ultimo');
    ofYear.forEach((j, i) => {
      const correlativo = ultimo - ofYear.length + 1 + i;
      numeros.set(j, { numero: formatNumero(correlativo, anio), correlativo });
    });
  }
  const expedientes = trx('expedientes')
    .insert(
      jobs.map((j) => {
        const { numero, correlativo } = numeros.get(j)!;
        const input = j.input;
        return {
          numero,
          anio: j.anio,
          correlativo,
          workflow_id: workflowIdFor(numero),
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
          clave_hash: input.claveHash(numero),
          clave_pendiente: input.clave,
          codigo_verificacion: input.codigoVerificacion,
        };
      }),
    )
    .onConflict('idempotency_key')
    .ignore()
    .returning('*');
  const docs = jobs.flatMap((j) =>
    j.input.archivos.map((f) => ({ numero: numeros.get(j)!.numero, ...documentRow(0, f.rol, f, j.input.cuentaId ?? null, j.now) })),
  );
  // The documents go in with the expedientes, in the same statement: no extra round trip.
  const insert = expedientes.toSQL();
  const { rows } = (await trx.raw(
    `with e as (${insert.sql}),
     d as (
       insert into documentos (expediente_id, rol, nombre, sha256, bytes, mime, paginas, subido_por, subido_en)
       select e.id, x.rol, x.nombre, x.sha256, x.bytes, x.mime, x.paginas, x.subido_por, x.subido_en
       from e join jsonb_to_recordset(?::jsonb) as x(numero text, rol text, nombre text, sha256 text, bytes bigint, mime text, paginas int, subido_por bigint, subido_en timestamptz)
         on x.numero = e.numero
     )
     select * from e`,
    [...insert.bindings, JSON.stringify(docs)],
  )) as { rows: ExpedienteRow[] };
  // A key filed meanwhile (by another process, or before this batch): undo the whole batch, and
  // with it the numbers it took.
  if (rows.length < jobs.length) throw new DuplicateKey();
  const byNumero = new Map(rows.map((r) => [r.numero, r]));
  return jobs.map((j) => byNumero.get(numeros.get(j)!.numero)!);
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

export async function plazosFor(db: Knex, config: Config, tipoDocumento: string, atencionDias?: number | null) {
  const dias = atencionDias ?? (await db('tipos_documento').where({ codigo: tipoDocumento }).first('plazo_atencion_dias'))?.plazo_atencion_dias;
  return { ...config.plazos, atencion: dias ?? config.plazos.atencion };
}

/** Starts the case's workflow if it is not running yet; true once Temporal has it. */
export async function ensureWorkflow(db: Knex, client: Client, config: Config, row: ExpedienteRow, atencionDias?: number | null): Promise<boolean> {
  if (row.workflow_iniciado_en) return true;
  const input: ExpedienteInput = {
    numero: row.numero,
    tipoDocumento: row.tipo_documento,
    presentadoEn: new Date(row.presentado_en).toISOString(),
    recibidoEn: new Date(row.recibido_en ?? row.presentado_en).toISOString(),
    unidad: row.unidad,
    plazos: await plazosFor(db, config, row.tipo_documento, atencionDias),
  };
  try {
    await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: config.temporal.taskQueue,
      workflowId: workflowIdFor(row.numero),
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: searchAttributes.expediente, value: row.numero },
        { key: searchAttributes.estado, value: row.estado },
        { key: searchAttributes.tipoDocumento, value: row.tipo_documento },
        { key: searchAttributes.vencido, value: false },
      ],
    });
  } catch (err) {
    // Already started and even finished: that is what we wanted.
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      console.warn(`[web] no se pudo iniciar el workflow de ${row.numero}; se reintentará:`, (err as Error).message);
      return false;
    }
  }
  // Not recorded (the database blinked): the sweeper starts it again, which changes nothing.
  await markStarted(db)(row.id).catch((err: Error) => console.warn(`[web] no se registró el inicio del workflow de ${row.numero}:`, err.message));
  return true;
}

const markers = new WeakMap<Knex, (id: number) => Promise<void>>();

/**
 * Records that an expediente's workflow runs. Group commit: while one UPDATE is in flight, the
 * ids that arrive wait and go together in the next one, so a burst of filings costs a few
 * statements instead of one each, and a lone filing waits for nobody.
 */
function markStarted(db: Knex) {
  let mark = markers.get(db);
  if (!mark) {
    mark = groupCommit<number>(async (ids) => {
      await db('expedientes').whereIn('id', ids).whereNull('workflow_iniciado_en').update({ workflow_iniciado_en: db.fn.now() });
    });
    markers.set(db, mark);
  }
  return mark;
}

/**
 * Group commit: `run` gets every item that arrived while the previous run was in flight, and
 * returns one result (or Error) per item, in order. A lone item runs at once; under load, items
 * share a run instead of each waiting for its own.
 */
export function groupCommit<T, R = void>(run: (items: T[]) => Promise<(R | Error)[] | void>) {
  type Waiter = { item: T; ok: (r: R) => void; fail: (err: unknown) => void };
  let waiting: Waiter[] = [];
  let busy = false;
  const flush = async () => {
    busy = true;
    while (waiting.length) {
      const batch = waiting;
      waiting = [];
      try {
        const results = await run(batch.map((w) => w.item));
        batch.forEach((w, i) => {
          const r = results?.[i];
          if (r instanceof Error) w.fail(r);
          else w.ok(r as R);
        });
      } catch (err) {
        for (const w of batch) w.fail(err);
      }
    }
    busy = false;
  };
  return (item: T): Promise<R> =>
    new Promise<R>((ok, fail) => {
      waiting.push({ item, ok, fail });
      if (!busy) void flush();
    });
}

export interface Catalog {
  /** Active document types by code, with their plazo de atención. */
  tipos: Map<string, { nombre: string; plazoAtencionDias: number | null }>;
  /** Active offices by code. */
  unidades: Map<string, { nombre: string }>;
}

/**
 * The active document types and offices, kept like the other settings an admin changes
 * (lib/settings.ts): a filing does not ask the database for them each time.
 */
const catalogs = dbCache<Catalog>(async (db) => {
  const [tipos, unidades] = await Promise.all([
    db('tipos_documento').where({ activo: true }).select('codigo', 'nombre', 'plazo_atencion_dias'),
    db('unidades').where({ activa: true }).select('codigo', 'nombre'),
  ]);
  return {
    tipos: new Map(tipos.map((t) => [t.codigo as string, { nombre: t.nombre as string, plazoAtencionDias: t.plazo_atencion_dias as number | null }])),
    unidades: new Map(unidades.map((u) => [u.codigo as string, { nombre: u.nombre as string }])),
  };
});

export function activeCatalog(db: Knex, config: Config): Promise<Catalog> {
  return catalogs.get(db, config);
}

/** After an admin changes the catalogue: this process reads it again at once. */
export function forgetCatalog(db: Knex) {
  catalogs.forget(db);
}

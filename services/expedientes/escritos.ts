// Every citizen submission after the filing gets its cargo (issue #14): each subsanación, and each
// escrito the filer adds to an existing case (SEI's "peticionamento intercorrente"). An escrito is
// taken in any state but ANULADO/ARCHIVADO (domain/lifecycle.ts `escritoRefusal`) and changes none:
// it is an Update on the case's workflow, or, once that workflow has ended (an ATENDIDO case), a
// workflow of its own (workflows/escrito.ts). Escritos are numbered per case: Escrito N.º 1, 2, …
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { WorkflowNotFoundError } from '@temporalio/client';
import { escritoInputRefusal } from '../../domain/acciones';
import { formatInstant } from '../../domain/calendar';
import { cargoEscritoArchivo, type TipoEscrito } from '../../domain/escritos';
import { escritoRefusal, isStateRefusal } from '../../domain/lifecycle';
import type { Principal } from '../../domain/principal';
import { Documento, Escrito, Expediente, Historial } from '../../lib/models';
import {
  ESCRITO_WORKFLOW_TYPE,
  escritoUpdate,
  escritoWorkflowId,
  workflowIdFor,
  type EscritoHecho,
  type EscritoInput,
  type NuevoDocumento,
  type Presentante,
} from '../../workflows/definitions';
import type { escritoWorkflow } from '../../workflows/escrito';
import type { AppDeps } from '../deps';
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors';
import { parse, text } from '../validation';
import { actorOf } from './acciones';
import type { ArchivoGuardado } from './archivos';
import { escritoUrls, escritoVista, recepcionAhora } from './cargos';
import { visibleExpediente } from './consultas';
import { filingRules, type ReadUpload, type UploadedFile } from './uploads';
import { ensureWorkflow } from './workflow';

/** What the filer gets back: the escrito's number in the case and its cargo's data. */
export interface EscritoPresentado {
  numero: string;
  escrito: number;
  fechaPresentacion: string;
  fechaRecepcion: string;
  cargoUrl: string;
  codigoVerificacion: string;
}

const escritoSchema = z.object({
  asunto: text('el asunto', 3, 500),
  contenido: z.string().trim().max(4000, 'El contenido no puede tener más de 4000 caracteres.').default(''),
});

export interface EscritoEntrada {
  numero: string;
  /** The client's Idempotency-Key: a retried request finds the escrito the first one made. */
  idempotencyKey?: string;
  readUpload: ReadUpload;
}

/** The filer (a citizen or a system: the route map lets no staff account in) adds an escrito to their case. */
export async function presentarEscrito(deps: AppDeps, p: Principal, input: EscritoEntrada): Promise<EscritoPresentado> {
  const key = input.idempotencyKey || undefined;
  if (key && !/^[\w.:-]{8,200}$/.test(key)) throw badRequest('La cabecera Idempotency-Key debe tener entre 8 y 200 caracteres (letras, números, . : _ -).');
  const exp = await visibleExpediente(deps, p, input.numero);
  const presentante: Presentante = { cuentaId: p.kind === 'cuenta' ? p.cuentaId : null, apiTokenId: p.kind === 'sistema' ? p.tokenId : null };
  // A key belongs to whoever sent it, for this case.
  const scopedKey = key ? `${exp.numero}:${presentante.cuentaId ?? ''}:${presentante.apiTokenId ?? ''}:${key}` : null;
  if (scopedKey) {
    const previo = await Escrito.query(deps.db).findOne({ idempotency_key: scopedKey });
    if (previo) return receipt(exp.numero, previo);
  }
  // Who and which state first, each with the rule the workflow's validator applies: a refused
  // escrito stores no file.
  const actor = actorOf(p);
  refuseEscrito(exp, actor, presentante);
  if (!exp.workflow_iniciado_en && !(await ensureWorkflow(deps.db, deps.temporal, deps.config, exp))) {
    throw new AppError(503, 'NO_DISPONIBLE', 'El expediente aún se está registrando. Intente de nuevo en unos segundos.');
  }
  const { fields, files } = await input.readUpload(await filingRules(deps));
  const d = parse(escritoSchema, fields);
  const principal = files.filter((f) => f.field === 'principal');
  const documentos = [...principal, ...files.filter((f) => f.field !== 'principal')];
  const refused = escritoInputRefusal({ documentos: principal });
  if (refused) throw badRequest(refused.reason, refused.field);
  const escrito: EscritoInput = {
    actor,
    presentante,
    asunto: d.asunto,
    contenido: d.contenido,
    documentos: documentos.map((f) => nuevoDocumento(deps, p, f)),
    recepcion: await recepcionAhora(deps),
    idempotencyKey: scopedKey,
  };
  const hecho = await send(deps, exp, escrito, scopedKey);
  const row = await Escrito.query(deps.db).findById(hecho.id);
  if (!row) throw new Error(`Escrito ${hecho.id} no registrado`);
  return receipt(exp.numero, row);
}

function refuseEscrito(exp: Pick<Expediente, 'numero' | 'estado' | 'cuenta_id' | 'api_token_id'>, actor: { rol: EscritoInput['actor']['rol']; unidad?: string | null }, who: Presentante) {
  const esPresentante = exp.cuenta_id === who.cuentaId && exp.api_token_id === who.apiTokenId;
  const reason = escritoRefusal(exp, { rol: actor.rol, unidad: actor.unidad, esPresentante });
  if (reason) throw isStateRefusal(reason) ? conflict(reason) : forbidden(reason);
}

const nuevoDocumento = (deps: AppDeps, p: Principal, f: UploadedFile): NuevoDocumento => ({
  rol: 'ESCRITO',
  nombre: f.filename,
  sha256: f.key,
  bytes: f.size,
  mime: f.mime,
  paginas: f.paginas ?? null,
  subidoPor: p.kind === 'cuenta' ? p.cuentaId : null,
  subidoEn: deps.clock.now().toISOString(),
});

const hash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

/**
 * The escrito as an Update on the case's workflow; a retry with the same key is the same Update.
 * Once that workflow has ended (an ATENDIDO case) it goes to a workflow of its own, one per key.
 */
async function send(deps: AppDeps, exp: Expediente, escrito: EscritoInput, scopedKey: string | null): Promise<EscritoHecho> {
  const clave = scopedKey ? hash(scopedKey) : escrito.recepcion.codigoVerificacion;
  try {
    return await deps.temporal.workflow.getHandle(workflowIdFor(exp.numero)).executeUpdate(escritoUpdate, { args: [escrito], updateId: `escrito-${clave}` });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  // Ended: every step it took is in the read model, its last state too.
  const ahora = await Expediente.query(deps.db).findById(exp.id);
  if (!ahora) throw notFound('El expediente no existe.');
  refuseEscrito(ahora, escrito.actor, escrito.presentante);
  return deps.temporal.workflow.execute<typeof escritoWorkflow>(ESCRITO_WORKFLOW_TYPE, {
    taskQueue: deps.config.temporal.taskQueue,
    workflowId: escritoWorkflowId(exp.numero, clave),
    args: [{ numero: exp.numero, escrito }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

function receipt(numero: string, e: Escrito): EscritoPresentado {
  return {
    numero,
    escrito: e.numero,
    fechaPresentacion: e.fecha_presentacion,
    fechaRecepcion: formatInstant(new Date(e.recibido_en)),
    cargoUrl: escritoUrls(numero, e.tipo, e.numero).cargoUrl,
    codigoVerificacion: e.codigo_verificacion,
  };
}

// ---------------------------------------------------------------------------------------------
// One submission with its cargo

/** Escrito (or subsanación) N.º `n` of a case `p` may see; 404 for anyone else or a number it lacks. */
export async function escritoDe(deps: AppDeps, p: Principal, numero: string, tipo: TipoEscrito, n: string) {
  const exp = await visibleExpediente(deps, p, numero);
  const e = /^\d{1,9}$/.test(n) ? await Escrito.query(deps.db).findOne({ expediente_id: exp.id, tipo, numero: Number(n) }) : undefined;
  if (!e) throw notFound('La presentación no existe.');
  return { exp, escrito: e };
}

/** The submission as its page shows it: its data, its cargo's, and its files (from its step of the seguimiento). */
export async function escritoConArchivos(deps: AppDeps, p: Principal, numero: string, tipo: TipoEscrito, n: string) {
  const { exp, escrito: e } = await escritoDe(deps, p, numero, tipo, n);
  const paso = await Historial.query(deps.db).findOne({ expediente_id: exp.id, secuencia: e.secuencia });
  const refs = paso?.documentos ?? [];
  const rows = refs.length ? await Documento.query(deps.db).findByIds(refs.map((d) => d.id)) : [];
  const byId = new Map(rows.map((d) => [d.id, d]));
  return {
    expediente: { numero: exp.numero, asunto: exp.asunto, estado: exp.estado },
    escrito: escritoVista(exp.numero, e),
    documentos: refs.map((d) => ({ id: d.id, nombre: d.nombre, sha256: d.sha256, bytes: Number(byId.get(d.id)?.bytes ?? 0), url: `/api/v1/documentos/${d.id}` })),
  };
}

const CARGO_WAIT = { tries: 100, everyMs: 150 };

/** A submission's cargo; the worker prints it right after it is sent, so it is waited for briefly. */
export async function cargoDeEscrito(deps: AppDeps, p: Principal, numero: string, tipo: TipoEscrito, n: string): Promise<ArchivoGuardado> {
  const { exp, escrito } = await escritoDe(deps, p, numero, tipo, n);
  let key = escrito.cargo_key;
  for (let i = 0; !key && i < CARGO_WAIT.tries; i++) {
    await new Promise((res) => setTimeout(res, CARGO_WAIT.everyMs));
    key = (await Escrito.query(deps.db).findById(escrito.id).select('cargo_key'))?.cargo_key ?? null;
  }
  if (!key) throw new AppError(503, 'CARGO_EN_PREPARACION', 'El cargo se está generando. Intente nuevamente en unos segundos.');
  return { sha256: key, nombre: cargoEscritoArchivo(escrito.tipo, escrito.numero, exp.numero), mime: 'application/pdf' };
}

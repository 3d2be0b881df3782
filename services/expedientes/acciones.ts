// The actions on a case (observar, derivar, recibir, atender, notificar, subsanar, actualizar,
// anular), each sent to its workflow as an Update. The checks run in this order, each with the
// same domain rule the workflow's validator applies: who may act (403), which case (404), its
// state and office (409/403), then the files and fields (400). A refused action stores nothing:
// files are read only after the case allows it, and their rows travel with the transition.
import { z } from 'zod';
import { atenderInputRefusal, derivarInputRefusal, notificarInputRefusal, subsanarInputRefusal, type InputRefusal } from '../../domain/acciones';
import { isStateRefusal, refusal, roleRefusal, withUltimaAccion, type Accion, type Rol } from '../../domain/lifecycle';
import type { Principal } from '../../domain/principal';
import { Expediente, Historial, TipoDocumento, Unidad } from '../../lib/models';
import {
  actualizarUpdate,
  anularUpdate,
  atenderUpdate,
  derivarUpdate,
  notificarUpdate,
  observarUpdate,
  recibirUpdate,
  subsanarUpdate,
  workflowIdFor,
  type Actor,
  type CambiosExpediente,
  type EstadoView,
  type NuevoDocumento,
} from '../../workflows/definitions';
import type { AppDeps } from '../deps';
import { AppError, badRequest, conflict, forbidden } from '../errors';
import { parse, text } from '../validation';
import { cargoPorCodigo, recepcionAhora } from './cargos';
import { visibleExpediente } from './consultas';
import { folios } from './presentar';
import { actionRules, FILE_FIELD, type ReadUpload, type UploadedFile } from './uploads';
import { ensureWorkflow } from './workflow';

export interface AccionInput {
  numero: string;
  accion: Accion;
  /** The form or JSON body; a multipart action's fields come from `readUpload`. */
  body: Record<string, unknown>;
  /** Present when the request is multipart: read only once the case allows the action. */
  readUpload?: ReadUpload;
}

export interface AccionHecha {
  numero: string;
  estado: EstadoView['estado'];
  /** A subsanación's own cargo (issue #14): its PDF and verification code. */
  cargoUrl?: string;
  codigoVerificacion?: string;
}

/** Runs a staff or citizen action as a Workflow Update; the workflow's validator has the last word. */
export async function runAction(deps: AppDeps, p: Principal, input: AccionInput): Promise<AccionHecha> {
  const actor = actorOf(p);
  const exp = await caseThatAllows(deps, p, actor, input.numero, input.accion);
  const { body, files } = await readFiles(deps, input);
  const step: Step = { deps, actor, exp, body, files, docs: documentsOf(deps, p, input.accion, files) };
  const result = await SEND[input.accion](step);
  return { numero: result.numero, estado: result.estado, ...result.cargo };
}

export function actorOf(p: Principal): Actor {
  return p.kind === 'sistema' ? { usuario: `sistema:${p.nombre}`, rol: 'sistema' } : { usuario: p.email, rol: p.rol as Rol, unidad: p.unidad };
}

/** The case, once `actor` may take `accion` on it now; its workflow started if it was waiting. */
async function caseThatAllows(deps: AppDeps, p: Principal, actor: Actor, numero: string, accion: Accion): Promise<Expediente> {
  const byRole = roleRefusal(accion, actor);
  if (byRole) throw forbidden(byRole);
  const exp = await visibleExpediente(deps, p, numero);
  // Fast, friendly refusal from the read model; the workflow's validator still decides races.
  const reason = refusal(accion, { numero, estado: exp.estado, unidad: exp.unidad, recibido: exp.recibido }, actor);
  if (reason) throw isStateRefusal(reason) ? conflict(withUltimaAccion(reason, await lastAction(deps, exp.id))) : forbidden(reason);
  // Filed during a burst, its start may still be waiting: the case's workflow runs before the
  // action (and before any of its files is recorded, so a refusal here leaves nothing behind).
  if (!exp.workflow_iniciado_en && !(await ensureWorkflow(deps.db, deps.temporal, deps.config, exp))) {
    throw new AppError(503, 'NO_DISPONIBLE', 'El expediente aún se está registrando. Intente de nuevo en unos segundos.');
  }
  return exp;
}

/** Who did the case's last action and when: a 409 tells the person who lost a race who won it. */
async function lastAction(deps: AppDeps, expedienteId: number) {
  const h = await Historial.query(deps.db).where({ expediente_id: expedienteId }).orderBy('secuencia', 'desc').first();
  return h && { accion: h.accion, usuario: h.actor, en: h.ocurrido_en };
}

/** A multipart action's fields and stored files; any other action's body, and no files. */
async function readFiles(deps: AppDeps, input: AccionInput): Promise<{ body: Record<string, unknown>; files: UploadedFile[] }> {
  if (!FILE_FIELD[input.accion] || !input.readUpload) return { body: input.body, files: [] };
  const { fields, files } = await input.readUpload(await actionRules(deps, input.accion));
  return { body: fields, files };
}

// Stored files travel in the update; their rows are written with the transition that carries
// them (activities/projection.ts), so an update refused or never delivered leaves none.
const DOC_ROL = { atender: 'RESPUESTA', subsanar: 'SUBSANACION', actualizar: 'ANEXO', notificar: 'NOTIFICACION' } as const;

function documentsOf(deps: AppDeps, p: Principal, accion: Accion, files: UploadedFile[]): NuevoDocumento[] {
  if (!(accion in DOC_ROL)) return [];
  const rol = DOC_ROL[accion as keyof typeof DOC_ROL];
  const subidoEn = deps.clock.now().toISOString();
  const subidoPor = p.kind === 'cuenta' ? p.cuentaId : null;
  return files.map((f) => ({ rol, nombre: f.filename, sha256: f.key, bytes: f.size, mime: f.mime, paginas: f.paginas ?? null, subidoPor, subidoEn }));
}

// ---------------------------------------------------------------------------------------------
// Each action: its fields, its input rule (domain/acciones.ts), its Update

interface Step {
  deps: AppDeps;
  actor: Actor;
  exp: Expediente;
  body: Record<string, unknown>;
  files: UploadedFile[];
  docs: NuevoDocumento[];
}

function refuse(r: InputRefusal | null) {
  if (r) throw badRequest(r.reason, r.field);
}

const handleOf = (s: Step) => s.deps.temporal.workflow.getHandle(workflowIdFor(s.exp.numero));

const observarSchema = z.object({ motivo: text('el motivo de la observación', 5, 4000) });
const derivarSchema = z.object({ unidad: text('la unidad de destino', 1, 20), proveido: text('el proveído', 3, 2000) });
const anularSchema = z.object({ motivo: z.string().trim().max(1000, 'El motivo no puede tener más de 1000 caracteres.').optional() }).passthrough();
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
// The response's type and number are optional (domain/acciones.ts atenderInputRefusal checks them).
const atenderSchema = z.object({
  comentario: text('el comentario', 3, 4000),
  tipoDocumentoRespuesta: z.preprocess(blankToUndefined, z.string({ error: 'Elija el tipo del documento de respuesta.' }).trim().optional()),
  numeroDocumentoRespuesta: z.preprocess(blankToUndefined, z.string({ error: 'Escriba el número del documento de respuesta.' }).trim().optional()),
});
const actualizarSchema = z.object({ asunto: text('el asunto', 3, 500).optional(), contenido: z.string().trim().max(4000).optional(), folios });
const notificarSchema = z.object({
  asunto: text('el asunto de la notificación', 3, 500),
  detalle: z.string().trim().max(4000, 'El detalle no puede tener más de 4000 caracteres.').default(''),
  tipoDocumento: text('el tipo de documento', 1, 40),
  numeroDocumento: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().max(60, 'El número de documento no puede tener más de 60 caracteres.').optional()),
});

/** What an action's Update answered, and the cargo of a submission that gets one (a subsanación). */
type Enviada = EstadoView & { cargo?: { cargoUrl: string; codigoVerificacion: string } };

const SEND: Record<Accion, (s: Step) => Promise<Enviada>> = {
  observar: (s) => {
    const { motivo } = parse(observarSchema, s.body);
    return handleOf(s).executeUpdate(observarUpdate, { args: [{ actor: s.actor, motivo }] });
  },
  derivar: async (s) => {
    const { unidad, proveido } = parse(derivarSchema, s.body);
    if (!(await Unidad.query(s.deps.db).findOne({ codigo: unidad, activa: true }))) throw badRequest('La unidad de destino no existe.', 'unidad');
    refuse(derivarInputRefusal(s.exp, { unidad }));
    return handleOf(s).executeUpdate(derivarUpdate, { args: [{ actor: s.actor, unidad, proveido }] });
  },
  recibir: (s) => handleOf(s).executeUpdate(recibirUpdate, { args: [{ actor: s.actor }] }),
  anular: (s) => {
    const { motivo } = parse(anularSchema, s.body);
    return handleOf(s).executeUpdate(anularUpdate, { args: [{ actor: s.actor, motivo: motivo || null }] });
  },
  atender: async (s) => {
    refuse(atenderInputRefusal({ documentos: s.files }));
    const f = parse(atenderSchema, s.body);
    const respuesta = { tipoDocumento: f.tipoDocumentoRespuesta ?? null, numeroDocumento: f.numeroDocumentoRespuesta ?? null };
    const tipos = respuesta.tipoDocumento ? new Set((await TipoDocumento.query(s.deps.db).where({ codigo: respuesta.tipoDocumento, activo: true }).select('codigo')).map((t) => t.codigo)) : undefined;
    refuse(atenderInputRefusal({ documentos: s.files, ...respuesta }, tipos));
    return handleOf(s).executeUpdate(atenderUpdate, { args: [{ actor: s.actor, comentario: f.comentario, documentos: s.docs, ...respuesta }] });
  },
  notificar: async (s) => {
    // The form is checked before its files are recorded: a refused form leaves no document behind.
    const f = parse(notificarSchema, s.body);
    if (!(await TipoDocumento.query(s.deps.db).findOne({ codigo: f.tipoDocumento, activo: true }))) throw badRequest('El tipo de documento no existe.', 'tipoDocumento');
    refuse(notificarInputRefusal({ documentos: s.files }));
    const args = { actor: s.actor, asunto: f.asunto, detalle: f.detalle, tipoDocumento: f.tipoDocumento, numeroDocumento: f.numeroDocumento ?? null, documentos: s.docs };
    return handleOf(s).executeUpdate(notificarUpdate, { args: [args] });
  },
  subsanar: async (s) => {
    const nota = String(s.body.nota ?? '');
    refuse(subsanarInputRefusal({ nota, documentos: s.files }));
    // Dated as a filing is (both legal dates); the workflow records it with its cargo before answering.
    const recepcion = await recepcionAhora(s.deps);
    const v = await handleOf(s).executeUpdate(subsanarUpdate, { args: [{ actor: s.actor, nota: nota.trim().slice(0, 4000), documentos: s.docs, recepcion }] });
    return { ...v, cargo: await cargoPorCodigo(s.deps, recepcion.codigoVerificacion) };
  },
  actualizar: (s) => {
    const changes = cambiosDe(s.exp, parse(actualizarSchema, s.body));
    const changed = [...Object.keys(changes), ...(s.docs.length ? ['documentos'] : [])];
    const nota = changed.length ? `Actualizó: ${changed.join(', ')}` : 'Sin cambios';
    return handleOf(s).executeUpdate(actualizarUpdate, { args: [{ actor: s.actor, nota, documentos: s.docs, cambios: changes }] });
  },
};

/**
 * Only what really changes is recorded (a form sends every field, edited or not), with the
 * transition: written by the workflow's activity, never half.
 */
function cambiosDe(exp: Expediente, c: z.infer<typeof actualizarSchema>): CambiosExpediente {
  const changes: CambiosExpediente = {};
  if (c.asunto && c.asunto !== exp.asunto) changes.asunto = c.asunto;
  if (c.contenido !== undefined && c.contenido !== (exp.contenido ?? '')) changes.contenido = c.contenido;
  if (c.folios && c.folios !== exp.folios) changes.folios = c.folios;
  return changes;
}

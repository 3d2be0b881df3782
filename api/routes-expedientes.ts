// JSON API for expedientes (DESIGN.md "API"): filing, actions, lists, detail, cargo, files,
// public consulta, catalogues, calendar and verification.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AppDeps } from './app';
import { HttpError, badRequest, conflict, notFound } from './errors';
import { bodyOf, parse, text } from './validation';
import { parseMultipart, ANEXO_EXTENSIONS, type UploadRules, type UploadedFile } from './uploads';
import { activeCatalog, ensureWorkflow, fileExpediente, type ExpedienteRow } from './expedientes';
import { requireFiler } from './auth/roles';
import { STAFF_ROLES, principal, type Principal } from './auth/session';
import { blockedFor, hit, tooMany } from './auth/throttle';
import { newVerificationCode } from '../lib/documents';
import { antivirusFor } from '../lib/clamav';
import { effectiveLimits, loadSettings } from '../lib/settings';
import { hmac, randomToken, sameString } from '../lib/secrets';
import { formatInstant, isValidDay } from '../domain/calendar';
import { isAccion, isStateRefusal, refusal, roleRefusal, type Accion, type Estado, type Rol } from '../domain/lifecycle';
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
  type NuevoDocumento,
} from '../workflows/definitions';

const NUMERO = /^\d{5}-\d{4}$/;
const MB = 1024 * 1024;

/** The filing's upload rules, with the limits in force (the admin's, else lib/config.ts). */
async function filingRules(deps: AppDeps): Promise<UploadRules> {
  const l = await effectiveLimits(deps.db, deps.config);
  return {
    files: {
      principal: { maxCount: 1, maxBytes: () => l.principalBytes, allowed: ['pdf'], label: 'documento principal', requireReadablePdf: true },
      anexos: { maxCount: l.maxAnexos, maxBytes: (i) => (i === 0 ? l.firstAnexoBytes : l.otherAnexoBytes), allowed: ANEXO_EXTENSIONS, label: 'anexos' },
    },
  };
}

const folios = z.preprocess(
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
  antecedente: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().regex(NUMERO, 'El antecedente debe ser un número de expediente como 00123-2026.').optional()),
  destino: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().max(20).optional()),
  folios,
  remitente: z.string().trim().max(200).optional(),
  aceptaPrivacidad: z.preprocess((v) => v === 'true' || v === 'on' || v === '1' || v === true, z.literal(true, { error: 'Debe aceptar la política de privacidad.' })),
});

/** The case as its filer or staff may see it; anyone else gets 404, as if it did not exist. */
export async function visibleExpediente(ctx: Context, deps: AppDeps, numero: string) {
  const p = principal(ctx);
  if (!p) throw new HttpError(401, 'NO_AUTENTICADO', 'Inicie sesión para continuar.');
  if (!NUMERO.test(numero)) throw notFound('El expediente no existe.');
  const row = await deps.db('expedientes').where({ numero }).first();
  if (!row || !canSee(p, row) || !(await inOffice(deps, p, row))) throw notFound('El expediente no existe.');
  return row;
}

/** Office staff see the cases in their office and those that passed through it; other staff, all. */
async function inOffice(deps: AppDeps, p: Principal, row: { id: number; unidad: string | null }) {
  if (p.kind !== 'cuenta' || p.rol !== 'unidad') return true;
  if (!p.unidad) return false;
  return row.unidad === p.unidad || !!(await deps.db('historial').where({ expediente_id: row.id, unidad: p.unidad }).first('id'));
}

/** Who did the case's last action and when: a 409 tells the person who lost a race who won it. */
async function lastAction(deps: AppDeps, expedienteId: number) {
  const h = await deps.db('historial').where({ expediente_id: expedienteId }).orderBy('secuencia', 'desc').first('accion', 'actor', 'ocurrido_en');
  return h ? ` Última acción: ${String(h.accion).toLowerCase()} por ${h.actor} (${formatInstant(new Date(h.ocurrido_en))}).` : '';
}

function canSee(p: Principal, row: { api_token_id: number | null; cuenta_id: number | null }) {
  if (p.kind === 'sistema') return row.api_token_id === p.tokenId;
  if (p.rol === 'ciudadano') return row.cuenta_id === p.cuentaId;
  return STAFF_ROLES.includes(p.rol);
}

function actorOf(p: Principal): Actor {
  return p.kind === 'sistema' ? { usuario: `sistema:${p.nombre}`, rol: 'sistema' } : { usuario: p.email, rol: p.rol as Rol, unidad: p.unidad };
}

export async function expedienteDetail(deps: AppDeps, row: Record<string, any>) {
  const [historial, documentos, destino, tipo, notificaciones] = await Promise.all([
    deps.db('historial').where({ expediente_id: row.id }).orderBy('secuencia'),
    deps.db('documentos').where({ expediente_id: row.id }).orderBy('id'),
    row.destino ? deps.db('unidades').where({ codigo: row.destino }).first('nombre') : undefined,
    deps.db('tipos_documento').where({ codigo: row.tipo_documento }).first('nombre'),
    deps.db('notificaciones').where({ expediente_id: row.id }).orderBy('id'),
  ]);
  return {
    numero: row.numero,
    estado: row.estado as Estado,
    tipoDocumento: row.tipo_documento,
    tipoDocumentoNombre: tipo?.nombre ?? row.tipo_documento,
    numeroDocumento: row.numero_documento,
    asunto: row.asunto,
    contenido: row.contenido,
    antecedente: row.antecedente,
    destino: row.destino,
    destinoNombre: destino?.nombre ?? null,
    folios: row.folios,
    remitente: row.remitente,
    unidad: row.unidad,
    recibido: row.recibido,
    presentadoEn: formatInstant(new Date(row.presentado_en)),
    fechaPresentacion: row.fecha_presentacion,
    fechaRecepcion: row.recibido_en ? formatInstant(new Date(row.recibido_en)) : null,
    venceEn: row.vence_en ? formatInstant(new Date(row.vence_en)) : null,
    vencido: row.vencido,
    cargoUrl: `/api/v1/expedientes/${row.numero}/cargo.pdf`,
    codigoVerificacion: row.codigo_verificacion,
    documentos: documentos.map((d) => ({
      id: d.id,
      rol: d.rol,
      nombre: d.nombre,
      bytes: Number(d.bytes),
      mime: d.mime,
      paginas: d.paginas,
      sha256: d.sha256,
      vigente: d.vigente,
      url: `/api/v1/documentos/${d.id}`,
    })),
    seguimiento: historial.map((h) => ({
      secuencia: h.secuencia,
      accion: h.accion,
      estadoAnterior: h.estado_anterior,
      estadoNuevo: h.estado_nuevo,
      actor: h.actor,
      unidad: h.unidad,
      nota: h.nota,
      documentos: h.documentos,
      ocurridoEn: formatInstant(new Date(h.ocurrido_en)),
    })),
    // What was deposited in the filer's casilla, and when it was read (acuse de lectura).
    notificaciones: notificaciones.map((n) => ({
      id: n.id,
      tipo: n.documento_tipo as string,
      numero: n.documento_numero as string,
      asunto: n.asunto as string,
      depositadoEn: formatInstant(new Date(n.depositada_en)),
      leidoEn: n.leida_en ? formatInstant(new Date(n.leida_en)) : null,
      venceEn: n.vence ? formatInstant(new Date(n.vence)) : null,
      url: `/api/v1/casilla/${n.id}`,
      constanciaUrl: n.constancia_sha256 ? `/api/v1/casilla/${n.id}/constancia.pdf` : null,
    })),
  };
}

// The tracking password is stored as an HMAC keyed by the case's verification code, which exists
// before the number does (the number is taken in the same statement that stores the hash).
const trackingKey = (deps: AppDeps, codigoVerificacion: string, clave: string) => hmac(deps.config.secret, `clave:${codigoVerificacion}:${clave}`);
// Cases filed before 2026-11-23 keyed it by their number.
const legacyTrackingKey = (deps: AppDeps, numero: string, clave: string) => hmac(deps.config.secret, `clave:${numero}:${clave}`);

export async function createFiling(ctx: Context, deps: AppDeps) {
  const p = requireFiler(ctx);
  // In flight from the first byte: under a burst of filings their workflows start right after.
  const leave = deps.starter.enter();
  try {
    return await fileFromRequest(ctx, deps, p);
  } finally {
    leave();
  }
}

async function fileFromRequest(ctx: Context, deps: AppDeps, p: ReturnType<typeof requireFiler>) {
  const key = ctx.get('Idempotency-Key') || undefined;
  if (key && !/^[\w.:-]{8,200}$/.test(key)) throw badRequest('La cabecera Idempotency-Key debe tener entre 8 y 200 caracteres (letras, números, . : _ -).');
  // Every file scanned clean (when an antivirus is configured) before a number is taken.
  const { fields, files } = await parseMultipart(ctx.req, deps.storage, await filingRules(deps), antivirusFor(deps.config));
  const d = parse(filingSchema, fields);
  const principalFile = files.find((f) => f.field === 'principal');
  if (!principalFile) throw badRequest('Adjunte el documento principal en PDF.', 'principal');
  const catalog = await activeCatalog(deps.db, deps.config);
  const tipo = catalog.tipos.get(d.tipoDocumento);
  if (!tipo) throw badRequest('El tipo de documento no existe.', 'tipoDocumento');
  if (d.destino && !catalog.unidades.has(d.destino)) throw badRequest('El destino no existe.', 'destino');
  if (d.antecedente) {
    const ant = await deps.db('expedientes').where({ numero: d.antecedente }).first();
    if (!ant || !canSee(p, ant)) throw badRequest('El expediente antecedente no existe o no le pertenece.', 'antecedente');
  }
  let remitente: string;
  if (p.kind === 'sistema') {
    if (!d.remitente) throw badRequest('Ingrese el remitente.', 'remitente');
    remitente = d.remitente;
  } else {
    remitente = p.nombre;
  }
  const paginas = files.reduce((n, f) => n + (f.paginas ?? 0), 0);
  const now = deps.clock.now();
  const { presentacion, recepcion } = await deps.calendar.presentacion(now);
  const clave = randomToken(6).replace(/[-_]/g, 'x').slice(0, 8).toUpperCase();
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
      folios: d.folios ?? Math.max(paginas, 1),
      remitente,
      fechaPresentacion: presentacion,
      recibidoEn: recepcion,
      clave,
      claveHash: trackingKey(deps, codigoVerificacion, clave),
      codigoVerificacion,
      archivos: files.map((f) => ({ ...f, rol: f.field === 'principal' ? ('PRINCIPAL' as const) : ('ANEXO' as const) })),
      idempotencyKey: key,
      cuentaId: p.kind === 'cuenta' ? p.cuentaId : null,
      apiTokenId: p.kind === 'sistema' ? p.tokenId : null,
    },
    now,
  );
  await deps.starter.start(row, created ? tipo.plazoAtencionDias : undefined);
  const fresh = created ? { clave_pendiente: clave } : await deps.db('expedientes').where({ id: row.id }).first('clave_pendiente');
  return {
    numero: row.numero,
    estado: row.estado,
    fechaPresentacion: row.fecha_presentacion as string,
    fechaRecepcion: formatInstant(new Date(row.recibido_en ?? row.presentado_en)),
    // Shown once; a retried request gets it only while the cargo that prints it is being made.
    claveSeguimiento: (fresh?.clave_pendiente as string | null) ?? null,
    cargoUrl: `/api/v1/expedientes/${row.numero}/cargo.pdf`,
    codigoVerificacion: row.codigo_verificacion as string,
    folios: row.folios as number,
    fueraDeHorario: new Date(row.recibido_en ?? row.presentado_en).getTime() !== new Date(row.presentado_en).getTime(),
  };
}

const ACTION_JSON: Partial<Record<Accion, z.ZodType>> = {
  observar: z.object({ motivo: text('el motivo de la observación', 5, 4000) }),
  derivar: z.object({ unidad: text('la unidad de destino', 1, 20), proveido: text('el proveído', 3, 2000) }),
  recibir: z.object({}).passthrough(),
  anular: z.object({ motivo: z.string().trim().max(1000, 'El motivo no puede tener más de 1000 caracteres.').optional() }).passthrough(),
};
const MULTIPART_ACTIONS: readonly Accion[] = ['atender', 'subsanar', 'actualizar', 'notificar'];

const notificarSchema = z.object({
  asunto: text('el asunto de la notificación', 3, 500),
  detalle: z.string().trim().max(4000, 'El detalle no puede tener más de 4000 caracteres.').default(''),
  tipoDocumento: text('el tipo de documento', 1, 40),
  numeroDocumento: z.preprocess((v) => (v === '' ? undefined : v), z.string().trim().max(60, 'El número de documento no puede tener más de 60 caracteres.').optional()),
});

/** The notificar form, checked before its files are recorded: a refused form leaves no document behind. */
async function notificarFields(deps: AppDeps, body: Record<string, unknown>, files: number) {
  const f = parse(notificarSchema, body);
  if (!(await deps.db('tipos_documento').where({ codigo: f.tipoDocumento, activo: true }).first('codigo'))) throw badRequest('El tipo de documento no existe.', 'tipoDocumento');
  if (files === 0) throw badRequest('Adjunte el documento a notificar.', 'documentos');
  return f;
}

/** Runs a staff or citizen action as a Workflow Update; the workflow's validator has the last word. */
export async function runAction(ctx: Context, deps: AppDeps, numero: string, accion: Accion) {
  const p = principal(ctx);
  if (!p) throw new HttpError(401, 'NO_AUTENTICADO', 'Inicie sesión para continuar.');
  const actor = actorOf(p);
  const byRole = roleRefusal(accion, actor);
  if (byRole) throw new HttpError(403, 'PROHIBIDO', byRole);
  const exp = await visibleExpediente(ctx, deps, numero);
  const facts = { numero, estado: exp.estado as Estado, unidad: exp.unidad, recibido: exp.recibido };
  // Fast, friendly refusal from the read model; the workflow's validator still decides races.
  const reason = refusal(accion, facts, actor);
  if (reason) throw isStateRefusal(reason) ? conflict(reason + (await lastAction(deps, exp.id))) : new HttpError(403, 'PROHIBIDO', reason);
  // Filed during a burst, its start may still be waiting: the case's workflow runs before the
  // action (and before any of its files is recorded, so a refusal here leaves nothing behind).
  if (!exp.workflow_iniciado_en && !(await ensureWorkflow(deps.db, deps.temporal, deps.config, exp as ExpedienteRow))) {
    throw new HttpError(503, 'NO_DISPONIBLE', 'El expediente aún se está registrando. Intente de nuevo en unos segundos.');
  }

  let body: Record<string, unknown> = (bodyOf(ctx) as Record<string, unknown>) ?? {};
  // Stored files travel in the update; their rows are written with the transition that carries
  // them (activities/projection.ts), so an update refused or never delivered leaves none.
  let docs: NuevoDocumento[] = [];
  let aviso: z.infer<typeof notificarSchema> | undefined;
  if (MULTIPART_ACTIONS.includes(accion)) {
    const l = await effectiveLimits(deps.db, deps.config);
    const field = accion === 'atender' ? 'respuesta' : 'documentos';
    const rules: UploadRules = {
      files: {
        [field]: {
          maxCount: accion === 'atender' ? 1 : l.maxAnexos + 1,
          maxBytes: (i) => (i === 0 ? l.principalBytes : l.otherAnexoBytes),
          allowed: accion === 'atender' ? ['pdf'] : ANEXO_EXTENSIONS,
          label: accion === 'atender' ? 'documento de respuesta' : 'documentos',
        },
      },
    };
    let uploaded: UploadedFile[] = [];
    if (ctx.is('multipart')) {
      const parsed = await parseMultipart(ctx.req, deps.storage, rules, antivirusFor(deps.config));
      body = parsed.fields;
      uploaded = parsed.files;
    }
    if (accion === 'atender' && uploaded.length === 0) throw badRequest('Adjunte el documento de respuesta en PDF.', 'respuesta');
    if (accion === 'subsanar' && uploaded.length === 0 && !String(body.nota ?? '').trim()) {
      throw badRequest('Adjunte los documentos o describa cómo subsana las observaciones.', 'nota');
    }
    if (accion === 'notificar') aviso = await notificarFields(deps, body, uploaded.length);
    const rol = ({ atender: 'RESPUESTA', subsanar: 'SUBSANACION', actualizar: 'ANEXO', notificar: 'NOTIFICACION' } as const)[accion as 'atender'];
    const subidoEn = deps.clock.now().toISOString();
    const subidoPor = p.kind === 'cuenta' ? p.cuentaId : null;
    docs = uploaded.map((f) => ({ rol, nombre: f.filename, sha256: f.key, bytes: f.size, mime: f.mime, paginas: f.paginas ?? null, subidoPor, subidoEn }));
  }

  const handle = deps.temporal.workflow.getHandle(workflowIdFor(numero));
  let result;
  switch (accion) {
    case 'observar': {
      const { motivo } = parse(ACTION_JSON.observar!, body) as { motivo: string };
      result = await handle.executeUpdate(observarUpdate, { args: [{ actor, motivo }] });
      break;
    }
    case 'derivar': {
      const { unidad, proveido } = parse(ACTION_JSON.derivar!, body) as { unidad: string; proveido: string };
      const u = await deps.db('unidades').where({ codigo: unidad, activa: true }).first('codigo');
      if (!u) throw badRequest('La unidad de destino no existe.', 'unidad');
      if (unidad === exp.unidad) throw badRequest('El expediente ya está en esa unidad.', 'unidad');
      result = await handle.executeUpdate(derivarUpdate, { args: [{ actor, unidad, proveido }] });
      break;
    }
    case 'recibir':
      result = await handle.executeUpdate(recibirUpdate, { args: [{ actor }] });
      break;
    case 'anular': {
      const { motivo } = parse(ACTION_JSON.anular!, body) as { motivo?: string };
      result = await handle.executeUpdate(anularUpdate, { args: [{ actor, motivo: motivo || null }] });
      break;
    }
    case 'atender': {
      const comentario = parse(z.object({ comentario: text('el comentario', 3, 4000) }), body).comentario;
      result = await handle.executeUpdate(atenderUpdate, { args: [{ actor, comentario, documentos: docs }] });
      break;
    }
    case 'notificar': {
      const { asunto, detalle, tipoDocumento, numeroDocumento } = aviso!;
      result = await handle.executeUpdate(notificarUpdate, { args: [{ actor, asunto, detalle, tipoDocumento, numeroDocumento: numeroDocumento ?? null, documentos: docs }] });
      break;
    }
    case 'subsanar': {
      const nota = String(body.nota ?? '').trim().slice(0, 4000);
      result = await handle.executeUpdate(subsanarUpdate, { args: [{ actor, nota, documentos: docs }] });
      break;
    }
    case 'actualizar': {
      const cambios = parse(
        z.object({ asunto: text('el asunto', 3, 500).optional(), contenido: z.string().trim().max(4000).optional(), folios }),
        body,
      );
      // Only what really changes is recorded (a form sends every field, edited or not), with the
      // transition: written by the workflow's activity, never half.
      const changes: CambiosExpediente = {};
      if (cambios.asunto && cambios.asunto !== exp.asunto) changes.asunto = cambios.asunto;
      if (cambios.contenido !== undefined && cambios.contenido !== (exp.contenido ?? '')) changes.contenido = cambios.contenido;
      if (cambios.folios && cambios.folios !== exp.folios) changes.folios = cambios.folios;
      const nota = Object.keys(changes).length || docs.length ? `Actualizó: ${[...Object.keys(changes), ...(docs.length ? ['documentos'] : [])].join(', ')}` : 'Sin cambios';
      result = await handle.executeUpdate(actualizarUpdate, { args: [{ actor, nota, documentos: docs, cambios: changes }] });
      break;
    }
  }
  return { numero: result!.numero, estado: result!.estado };
}

const listSchema = z.object({
  desde: z.string().refine(isValidDay, 'La fecha «desde» debe ser AAAA-MM-DD.').optional(),
  hasta: z.string().refine(isValidDay, 'La fecha «hasta» debe ser AAAA-MM-DD.').optional(),
  numero: z.string().trim().max(20).optional(),
  asunto: z.string().trim().max(200).optional(),
  estado: z.enum(['PENDIENTE_VALIDACION', 'OBSERVADO', 'DERIVADO', 'ATENDIDO', 'ANULADO', 'ARCHIVADO'], { error: 'Estado desconocido.' }).optional(),
  unidad: z.string().trim().max(20).optional(),
  despues: z.coerce.number({ error: 'El cursor de página no es válido.' }).int().positive().optional(),
  limite: z.coerce.number().int().min(1).max(100).default(20),
});

/** The caller's own expedientes (citizen, system) or all (staff), newest first, by keyset. */
export async function listExpedientes(ctx: Context, deps: AppDeps, query: unknown) {
  const p = principal(ctx);
  if (!p) throw new HttpError(401, 'NO_AUTENTICADO', 'Inicie sesión para continuar.');
  const f = parse(listSchema, query);
  const q = deps.db('expedientes').select('id', 'numero', 'estado', 'tipo_documento', 'asunto', 'unidad', 'presentado_en', 'fecha_presentacion', 'vence_en', 'vencido', 'remitente');
  if (p.kind === 'sistema') q.where({ api_token_id: p.tokenId });
  else if (p.rol === 'ciudadano') q.where({ cuenta_id: p.cuentaId });
  else if (p.rol === 'unidad') {
    // An office lists the cases in it and those that passed through it (see inOffice).
    if (!p.unidad) q.whereRaw('false');
    else q.where((w) => w.where('unidad', p.unidad!).orWhereIn('id', deps.db('historial').select('expediente_id').where('unidad', p.unidad!)));
  }
  if (f.desde) q.where('fecha_presentacion', '>=', f.desde);
  if (f.hasta) q.where('fecha_presentacion', '<=', f.hasta);
  if (f.numero) q.where('numero', 'like', `%${f.numero.replace(/[%_\\]/g, '')}%`);
  if (f.asunto) q.whereILike('asunto', `%${f.asunto.replace(/[%_\\]/g, '')}%`);
  if (f.estado) q.where({ estado: f.estado });
  if (f.unidad) q.where({ unidad: f.unidad });
  if (f.despues) q.where('id', '<', f.despues);
  const rows = await q.orderBy('id', 'desc').limit(f.limite + 1);
  const page = rows.slice(0, f.limite);
  return {
    expedientes: page.map((r) => ({
      numero: r.numero,
      estado: r.estado,
      tipoDocumento: r.tipo_documento,
      asunto: r.asunto,
      unidad: r.unidad,
      remitente: r.remitente,
      presentadoEn: formatInstant(new Date(r.presentado_en)),
      fechaPresentacion: r.fecha_presentacion,
      venceEn: r.vence_en ? formatInstant(new Date(r.vence_en)) : null,
      vencido: r.vencido,
    })),
    siguiente: rows.length > f.limite ? page[page.length - 1].id : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Public consulta (the JSON API and the page: same throttle, same answer)

const consultaSchema = z.object({
  numero: z.string({ error: 'Ingrese el número de expediente.' }).trim().regex(NUMERO, 'El número tiene la forma 00123-2026.'),
  clave: text('la clave de seguimiento', 4, 40),
});

export const CONSULTA_LIMIT = { max: 30, windowMs: 10 * 60_000 };

/**
 * The public status of an expediente by its number and tracking password, no login: state,
 * asunto, both dates and the seguimiento (no files, no notes, no personal data). Throttled per
 * IP: 30 failed look-ups per 10 minutes (429 after that). A wrong number or password is the same
 * neutral 404.
 */
export async function consultaExpediente(deps: AppDeps, ip: string, input: unknown) {
  const q = parse(consultaSchema, input);
  const now = deps.clock.now();
  const limit = { key: `consulta-ip:${ip}`, ...CONSULTA_LIMIT };
  const wait = await blockedFor(deps.db, limit, now);
  if (wait) throw tooMany(wait, 'Demasiadas consultas.');
  const exp = await deps.db('expedientes').where({ numero: q.numero }).first();
  const clave = q.clave.toUpperCase();
  const matches = (expected: string) => sameString(exp.clave_hash, expected);
  if (!exp?.clave_hash || !(matches(trackingKey(deps, exp.codigo_verificacion, clave)) || matches(legacyTrackingKey(deps, q.numero, clave)))) {
    await hit(deps.db, limit, now);
    throw notFound('No encontramos un expediente con ese número y clave.');
  }
  const d = await expedienteDetail(deps, exp);
  return {
    numero: d.numero,
    estado: d.estado,
    asunto: d.asunto,
    fechaPresentacion: d.fechaPresentacion as string,
    fechaRecepcion: d.fechaRecepcion,
    seguimiento: d.seguimiento.map((s) => ({ accion: s.accion as string, estadoNuevo: s.estadoNuevo as string, unidad: s.unidad as string | null, ocurridoEn: s.ocurridoEn })),
  };
}


/** What a constancia's code certifies: which document was deposited, when, with which files. */
export function certifiedNotification(n: { documento: string; asunto: string; dependencia: string; depositadaEn: string; vence: string | null; archivos: { nombre: string; sha256: string }[] }) {
  return {
    documento: n.documento,
    asunto: n.asunto,
    dependencia: n.dependencia,
    depositadaEn: formatInstant(new Date(n.depositadaEn)),
    venceEn: n.vence ? formatInstant(new Date(n.vence)) : null,
    archivos: n.archivos,
  };
}

export async function streamStored(ctx: Context, deps: AppDeps, sha256: string, nombre: string, mime: string, download: boolean) {
  ctx.type = mime;
  ctx.set('Content-Disposition', `${download ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(nombre)}`);
  ctx.set('Cache-Control', 'private, no-store');
  ctx.body = deps.storage.stream(sha256);
}

export function expedientesRouter(deps: AppDeps) {
  const r = new Router({ prefix: '/api/v1' });

  r.post('/expedientes', async (ctx) => {
    ctx.status = 201;
    ctx.body = await createFiling(ctx, deps);
  });

  r.get('/expedientes', async (ctx) => {
    ctx.body = await listExpedientes(ctx, deps, ctx.query);
  });

  r.get('/expedientes/:numero', async (ctx) => {
    ctx.body = await expedienteDetail(deps, await visibleExpediente(ctx, deps, ctx.params.numero));
  });

  r.get('/expedientes/:numero/cargo.pdf', async (ctx) => {
    let exp = await visibleExpediente(ctx, deps, ctx.params.numero);
    // The worker prints the cargo right after filing: wait briefly for it.
    for (let i = 0; !exp.cargo_key && i < 100; i++) {
      await new Promise((res) => setTimeout(res, 150));
      exp = await deps.db('expedientes').where({ id: exp.id }).first();
    }
    if (!exp.cargo_key) throw new HttpError(503, 'CARGO_EN_PREPARACION', 'El cargo se está generando. Intente nuevamente en unos segundos.');
    await streamStored(ctx, deps, exp.cargo_key, `cargo-${exp.numero}.pdf`, 'application/pdf', ctx.query.descargar === '1');
  });

  r.post('/expedientes/:numero/:accion', async (ctx) => {
    const { numero, accion } = ctx.params;
    if (!isAccion(accion)) throw notFound('Acción desconocida.');
    ctx.body = await runAction(ctx, deps, numero, accion);
  });

  r.get('/documentos/:id', async (ctx) => {
    const id = Number(ctx.params.id);
    if (!Number.isSafeInteger(id)) throw notFound('El documento no existe.');
    const doc = await deps.db('documentos').where({ id }).first();
    if (!doc) throw notFound('El documento no existe.');
    const exp = await deps.db('expedientes').where({ id: doc.expediente_id }).first('numero');
    await visibleExpediente(ctx, deps, exp.numero);
    await streamStored(ctx, deps, doc.sha256, doc.nombre, doc.mime, ctx.query.descargar === '1');
  });

  // Public status by number and tracking password, no login; throttled per IP.
  r.get('/consulta', async (ctx) => {
    ctx.body = await consultaExpediente(deps, ctx.ip, ctx.query);
  });

  r.get('/catalogos', async (ctx) => {
    const [tipos, unidades] = await Promise.all([
      deps.db('tipos_documento').where({ activo: true }).orderBy('nombre').select('codigo', 'nombre'),
      deps.db('unidades').where({ activa: true }).orderBy('nombre').select('codigo', 'nombre'),
    ]);
    const [l, { horario }] = await Promise.all([effectiveLimits(deps.db, deps.config), loadSettings(deps.db, deps.config)]);
    ctx.body = {
      tiposDocumento: tipos,
      destinos: unidades,
      limites: {
        principalMB: l.principalBytes / MB,
        primerAnexoMB: l.firstAnexoBytes / MB,
        anexoMB: l.otherAnexoBytes / MB,
        anexos: l.maxAnexos,
        extensionesAnexo: ANEXO_EXTENSIONS,
      },
      horario: { dias: 'lunes a viernes', inicio: horario.inicio, fin: horario.fin, zonaHoraria: 'America/Lima' },
    };
  });

  const instant = (label: string) =>
    z.string({ error: `Indique ${label} (fecha y hora ISO 8601).` }).refine((v) => !Number.isNaN(Date.parse(v)) && /T/.test(v), `${label} debe ser una fecha y hora ISO 8601, p. ej. 2026-12-04T10:00:00-05:00.`);

  r.get('/calendario/presentacion', async (ctx) => {
    const { en } = parse(z.object({ en: instant('«en»') }), ctx.query);
    const r2 = await deps.calendar.presentacion(new Date(en));
    ctx.body = { presentacion: r2.presentacion, recepcion: formatInstant(r2.recepcion) };
  });

  r.get('/calendario/plazo', async (ctx) => {
    const q = parse(z.object({ desde: instant('«desde»'), dias: z.coerce.number({ error: 'Indique los días hábiles.' }).int('Los días deben ser un número entero.').min(1, 'Los días deben ser al menos 1.').max(3650) }), ctx.query);
    const p = await deps.calendar.plazo(new Date(q.desde), q.dias);
    ctx.body = { inicio: p.inicio, vence: formatInstant(p.vence) };
  });

  r.get('/verificacion/:codigo', async (ctx) => {
    const codigo = ctx.params.codigo.toUpperCase();
    const v = /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(codigo) ? await deps.db('verificaciones').where({ codigo }).first() : undefined;
    if (!v) throw notFound('No existe un documento con ese código de verificación.');
    const exp = await deps.db('expedientes').where({ id: v.expediente_id }).first('numero', 'asunto', 'fecha_presentacion', 'presentado_en');
    ctx.body = {
      codigo,
      tipo: v.tipo,
      documento: v.detalle?.documento ?? v.tipo,
      expediente: exp.numero,
      asunto: exp.asunto,
      emitidoEn: formatInstant(new Date(v.emitido_en)),
      sha256: v.sha256,
      ...(v.detalle?.notificacion ? { notificacion: certifiedNotification(v.detalle.notificacion) } : {}),
    };
  });

  return r;
}

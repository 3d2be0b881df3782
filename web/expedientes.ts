// Expediente pages (Spanish, server-rendered): the lists ("Mis trámites" for citizens, the tray for
// staff), the filing form, the cargo (constancia de presentación) and the detail with its actions.
// Every rule lives in services/expedientes/ and domain/: these pages call the use cases the JSON
// API calls; who may open each is in http/route-map/expedientes.ts.
import type { Context } from 'koa';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../services/deps';
import type { Views } from './render';
import { badRequest, notFound } from '../services/errors';
import { runAction } from '../services/expedientes/acciones';
import { horarioDeAtencion, limitesDeCarga, nombres, tiposActivos, unidadesActivas, type Opcion } from '../services/expedientes/catalogos';
import { expedienteDetail, listExpedientes, visibleExpediente } from '../services/expedientes/consultas';
import { presentarExpediente } from '../services/expedientes/presentar';
import { escritosVistos } from '../services/expedientes/cargos';
import { escritoConArchivos, presentarEscrito as presentarEscritoService } from '../services/expedientes/escritos';
import { presentacionEn } from '../services/calendario';
import { requireCuenta } from '../http/auth/roles';
import { principal } from '../http/auth/session';
import { optionalUpload, uploadReader } from '../http/uploads';
import { ACCIONES, ESTADOS, ESTADO_LABEL, escritoRefusal, isAccion, refusal, type Accion } from '../domain/lifecycle';
import { enDiaInhabil } from '../domain/calendar';
import type { TipoEscrito } from '../domain/escritos';
import { plazoEscrito, type PlazoVisible } from '../domain/plazos-visibles';
import { attempt, failed, formOf, keep, problem, seeOther, str, type Body } from './forms';

const checked = (v: unknown) => v === 'on' || v === 'true' || v === '1' || v === true;
const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The states as select options, in lifecycle order. */
const ESTADO_OPCIONES = ESTADOS.map((codigo) => ({ codigo, nombre: capital(ESTADO_LABEL[codigo]) }));

/** The success note after each action (the detail page shows it on `?ok=<accion>`). */
const OK_MENSAJE: Record<Accion, string> = {
  actualizar: 'Se actualizaron los datos del expediente.',
  anular: 'El expediente fue anulado.',
  subsanar: 'Se registró su subsanación. El expediente vuelve a revisión.',
  observar: 'Se registró la observación y se notificó al administrado.',
  derivar: 'El expediente fue derivado.',
  recibir: 'Usted recibió el expediente en su unidad.',
  atender: 'El expediente fue atendido. La respuesta se envió al administrado.',
  notificar: 'Se depositó la notificación en la casilla electrónica del administrado.',
};

/** The upload limits in force, as the forms show them. */
async function limites(deps: AppDeps) {
  const l = await limitesDeCarga(deps);
  return { ...l, extensiones: l.extensiones.join(', '), accept: l.extensiones.map((e) => `.${e}`).join(',') };
}

/** A plazo as the pages print it: whose it is and its end written out («Subsanar hasta el martes 01/12/2026, 23:59»). */
const plazoVista = (p: PlazoVisible | null) => (p ? { ...p, texto: plazoEscrito(p) } : null);

/** Where the «Subsanar» button takes the filer: the form on the case page. */
export const subsanarUrl = (numero: string) => `/expedientes/${numero}#accion-subsanar`;

const nombreDe = (unidades: Map<string, string>, codigo: string | null) => (codigo ? (unidades.get(codigo) ?? codigo) : 'Mesa de Partes');
const porCodigo = (opciones: Opcion[]) => new Map(opciones.map((u) => [u.codigo, u.nombre]));

// ---------- lists: Mis trámites (citizen) and Expedientes (staff) ----------
const FILTROS = ['desde', 'hasta', 'numero', 'asunto', 'estado', 'unidad'] as const;

/** The filters a list was asked with (a citizen's list has no office filter). */
function filtrosDe(ctx: Context, ciudadano: boolean) {
  const filtros: Record<string, string> = {};
  for (const k of FILTROS) {
    const v = str(ctx.query[k])?.trim();
    if (v && !(ciudadano && k === 'unidad')) filtros[k] = v;
  }
  return filtros;
}

export async function listaPage(ctx: Context, deps: AppDeps, views: Views) {
  const p = principal(ctx);
  if (p?.kind !== 'cuenta') return views.render(ctx, 'inicio', { titulo: 'Mesa de Partes Virtual' });
  const ciudadano = p.rol === 'ciudadano';
  const filtros = filtrosDe(ctx, ciudadano);
  const despues = str(ctx.query.despues)?.trim();
  // Page size: 20 unless asked (the API's own bounds apply); kept in the pagination links.
  const limite = str(ctx.query.limite)?.trim();
  const enlaces = { ...filtros, ...(limite ? { limite } : {}) };
  const [tipos, unidades] = await Promise.all([nombres(deps, 'tipos'), unidadesActivas(deps)]);
  const unidadNombre = porCodigo(unidades);
  const res = await attempt(() => listExpedientes(deps, p, { ...filtros, ...(despues ? { despues } : {}), limite: limite || '20' }));
  let data: Body;
  if (res.ok) {
    const { expedientes, siguiente } = res.value;
    data = {
      expedientes: expedientes.map((e) => ({
        ...e,
        tipoNombre: tipos.get(e.tipoDocumento) ?? e.tipoDocumento,
        unidadNombre: nombreDe(unidadNombre, e.unidad),
        plazo: plazoVista(e.plazo),
        subsanarUrl: refusal('subsanar', { numero: e.numero, estado: e.estado, unidad: e.unidad, recibido: false }, p) === null ? subsanarUrl(e.numero) : null,
      })),
      siguienteUrl: siguiente ? `/?${new URLSearchParams({ ...enlaces, despues: String(siguiente) })}` : undefined,
      primeraUrl: despues ? `/?${new URLSearchParams(enlaces)}` : undefined,
    };
  } else {
    failed(ctx, res.err);
    data = { expedientes: [], ...problem(res.err) };
  }
  views.render(ctx, ciudadano ? 'mis-tramites' : 'home', {
    titulo: ciudadano ? 'Mis trámites' : 'Expedientes',
    filtros,
    filtrado: Object.keys(filtros).length > 0 || !!despues,
    estados: ESTADO_OPCIONES,
    unidades,
    ...data,
  });
}

// ---------- filing form ----------
async function nuevoPage(ctx: Context, deps: AppDeps, views: Views, data: Body = {}) {
  const [tipos, unidades, ahora, l, horario] = await Promise.all([
    tiposActivos(deps),
    unidadesActivas(deps),
    presentacionEn(deps, deps.clock.now()),
    limites(deps),
    horarioDeAtencion(deps),
  ]);
  const idem = randomUUID();
  views.render(ctx, 'expediente-nuevo', {
    titulo: 'Presentar documento',
    tipos,
    unidades,
    limites: l,
    horario,
    ahora,
    idem,
    accion: `/expedientes/nuevo?idem=${idem}`,
    valores: {},
    errores: {},
    ...data,
  });
}

export async function nuevo(ctx: Context, deps: AppDeps, views: Views) {
  await nuevoPage(ctx, deps, views);
}

// Without JavaScript: the browser posts the multipart form here, read by the use case itself
// (streaming); the form's one-per-render key in the URL makes a double submit harmless.
export async function presentar(ctx: Context, deps: AppDeps, views: Views) {
  const idempotencyKey = ctx.get('Idempotency-Key') || str(ctx.query.idem);
  // The service reads the body; the text fields it read come back to the form (files are never kept).
  let typed: Body = {};
  const read = uploadReader(ctx, deps);
  const readUpload: typeof read = async (rules) => {
    const upload = await read(rules);
    typed = upload.fields;
    return upload;
  };
  const res = await attempt(() => presentarExpediente(deps, requireCuenta(ctx), { idempotencyKey, readUpload }));
  if (res.ok) return seeOther(ctx, `/expedientes/${res.value.numero}/cargo?nuevo=1`);
  failed(ctx, res.err);
  await nuevoPage(ctx, deps, views, { ...problem(res.err), valores: keep(typed), reintento: true });
}

// ---------- cargo (constancia de presentación) ----------
export async function cargo(ctx: Context, deps: AppDeps, views: Views) {
  const p = requireCuenta(ctx);
  const exp = await expedienteDetail(deps, await visibleExpediente(deps, p, ctx.params.numero), p);
  views.render(ctx, 'expediente-cargo', {
    titulo: `Cargo de recepción ${exp.numero}`,
    expediente: exp,
    documentos: exp.documentos.filter((d) => d.vigente && (d.rol === 'PRINCIPAL' || d.rol === 'ANEXO')),
    nuevo: ctx.query.nuevo === '1',
    fueraDeHorario: !!exp.fechaRecepcion && exp.fechaRecepcion !== exp.presentadoEn,
    diaInhabil: !!exp.fechaRecepcion && !!exp.fechaPresentacion && enDiaInhabil(new Date(exp.presentadoEn), { presentacion: exp.fechaPresentacion, recepcion: new Date(exp.fechaRecepcion) }),
    esFiler: p.rol === 'ciudadano',
  });
}

// ---------- detail with the actions the viewer may take ----------
async function detallePage(ctx: Context, deps: AppDeps, views: Views, data: Body = {}) {
  const p = requireCuenta(ctx);
  const row = await visibleExpediente(deps, p, ctx.params.numero);
  const [exp, unidades, tipos, l] = await Promise.all([expedienteDetail(deps, row, p), unidadesActivas(deps), tiposActivos(deps), limites(deps)]);
  const unidadNombre = porCodigo(unidades);
  const facts = { numero: exp.numero, estado: exp.estado, unidad: exp.unidad, recibido: exp.recibido };
  const puede = Object.fromEntries(ACCIONES.map((a) => [a, refusal(a, facts, p) === null])) as Record<Accion, boolean>;
  const esPersonal = p.rol !== 'ciudadano';
  const documentos = exp.documentos.filter((d) => d.vigente);
  const principalPdf = documentos.find((d) => d.rol === 'PRINCIPAL' && d.mime === 'application/pdf');
  const observacion = exp.estado === 'OBSERVADO' ? [...exp.seguimiento].reverse().find((s) => s.accion === 'OBSERVAR') : undefined;
  const ok = str(ctx.query.ok);
  // The filer adds escritos from their case (issue #14); staff see them listed with their cargos.
  const puedeEscrito = p.rol === 'ciudadano' && escritoRefusal(exp, p) === null;
  await escritosVistos(deps, p, row);
  views.render(ctx, 'expediente', {
    titulo: `Expediente ${exp.numero}`,
    expediente: {
      ...exp,
      unidadNombre: nombreDe(unidadNombre, exp.unidad),
      seguimiento: exp.seguimiento.map((s) => ({ ...s, unidadNombre: nombreDe(unidadNombre, s.unidad) })),
    },
    documentos,
    principalPdf: esPersonal ? principalPdf : undefined,
    esPersonal,
    puede,
    hayAcciones: Object.values(puede).some(Boolean) || puedeEscrito,
    puedeEscrito,
    observacion: observacion ? { motivo: observacion.nota, en: observacion.ocurridoEn } : undefined,
    // Whose deadline runs now; the subsanación's is shown with the observation, the entity's with the data.
    plazo: plazoVista(exp.plazo),
    plazoEnDatos: !!exp.plazo && exp.plazo.tipo !== 'subsanacion',
    destinos: unidades.filter((u) => u.codigo !== exp.unidad),
    tipos,
    limites: l,
    plazoSubsanacion: deps.config.plazos.subsanacion,
    aviso: ok && isAccion(ok) && !data.alerta ? OK_MENSAJE[ok] : undefined,
    errores: {},
    ...data,
    // The update form starts from the current data; a form that came back keeps what was typed.
    valores: { actualizar: { asunto: exp.asunto, contenido: exp.contenido, folios: exp.folios }, ...(data.valores as Body | undefined) },
  });
}

export async function detalle(ctx: Context, deps: AppDeps, views: Views) {
  await detallePage(ctx, deps, views);
}

/** The confirmation box a form must have ticked, and what it says when it is not. */
const CONFIRMACION: Partial<Record<Accion, string>> = {
  anular: 'Marque «Confirmo que deseo anular este expediente» para anularlo.',
  derivar: 'Marque «Confirmo la derivación» para derivar el expediente.',
};

// Each action form posts here (urlencoded: observar, derivar, recibir, anular; multipart for
// actualizar, subsanar, atender, notificar: the use case reads the multipart body itself).
export async function accion(ctx: Context, deps: AppDeps, views: Views) {
  const { numero, accion } = ctx.params;
  if (!isAccion(accion)) throw notFound('Acción desconocida.');
  const p = requireCuenta(ctx);
  const body = ctx.is('multipart') ? {} : formOf(ctx);
  const sinConfirmar = CONFIRMACION[accion];
  const res =
    sinConfirmar && !checked(body.confirmo)
      ? ({ ok: false, err: badRequest(sinConfirmar, 'confirmo') } as const)
      : await attempt(() => runAction(deps, p, { numero, accion, body, readUpload: optionalUpload(ctx, deps) }));
  // A subsanación has its own cargo: the page that shows it, as after filing.
  if (res.ok && res.value.cargoUrl) return seeOther(ctx, `${res.value.cargoUrl.replace(/^\/api\/v1/, '').replace(/\/cargo\.pdf$/, '')}?nuevo=1`);
  if (res.ok) return seeOther(ctx, `/expedientes/${numero}?ok=${accion}`);
  // Not visible or not logged in: the error page, as for the GET.
  if (res.err.status === 401 || res.err.status === 404) throw res.err;
  failed(ctx, res.err);
  const valores: Body = keep(body);
  delete valores.confirmo;
  await detallePage(ctx, deps, views, { abierta: accion, valores: { [accion]: valores }, ...problem(res.err, (f) => `${accion}-${f}`) });
}

// ---------- escritos to an existing case (issue #14) and the cargo of each submission ----------
async function nuevoEscritoPage(ctx: Context, deps: AppDeps, views: Views, data: Body = {}) {
  const p = requireCuenta(ctx);
  const row = await visibleExpediente(deps, p, ctx.params.numero);
  const [ahora, l, horario] = await Promise.all([presentacionEn(deps, deps.clock.now()), limites(deps), horarioDeAtencion(deps)]);
  const idem = randomUUID();
  views.render(ctx, 'escrito-nuevo', {
    titulo: `Presentar escrito al expediente ${row.numero}`,
    expediente: { numero: row.numero, asunto: row.asunto, estado: row.estado },
    // Refused in this state (or not theirs to send): the page says why instead of the form.
    rechazo: escritoRefusal(row, { rol: p.rol, esPresentante: row.cuenta_id === p.cuentaId }),
    limites: l,
    horario,
    ahora,
    accion: `/expedientes/${row.numero}/escritos/nuevo?idem=${idem}`,
    valores: {},
    errores: {},
    ...data,
  });
}

export async function nuevoEscrito(ctx: Context, deps: AppDeps, views: Views) {
  await nuevoEscritoPage(ctx, deps, views);
}

// The multipart form, read by the use case itself (streaming); the form's one-per-render key in
// the URL makes a double submit one escrito.
export async function presentarEscrito(ctx: Context, deps: AppDeps, views: Views) {
  const { numero } = ctx.params;
  const idempotencyKey = ctx.get('Idempotency-Key') || str(ctx.query.idem);
  const res = await attempt(() => presentarEscritoService(deps, requireCuenta(ctx), { numero, idempotencyKey, readUpload: uploadReader(ctx, deps) }));
  if (res.ok) return seeOther(ctx, `/expedientes/${res.value.numero}/escritos/${res.value.escrito}?nuevo=1`);
  if (res.err.status === 401 || res.err.status === 404) throw res.err;
  failed(ctx, res.err);
  // Files are never kept: the form asks for them again.
  await nuevoEscritoPage(ctx, deps, views, { ...problem(res.err), reintento: true });
}

/** /expedientes/{numero}/escritos/{n} and …/subsanaciones/{n}: what was submitted, when, and its cargo. */
export const escrito = (tipo: TipoEscrito) => async (ctx: Context, deps: AppDeps, views: Views) => {
  const p = requireCuenta(ctx);
  const { expediente, escrito: v, documentos } = await escritoConArchivos(deps, p, ctx.params.numero, tipo, ctx.params.n);
  views.render(ctx, 'escrito-cargo', {
    titulo: `${v.titulo} — Expediente ${expediente.numero}`,
    expediente,
    escrito: v,
    documentos,
    esSubsanacion: tipo === 'SUBSANACION',
    nuevo: ctx.query.nuevo === '1',
    fueraDeHorario: v.fechaRecepcion !== v.presentadoEn,
    diaInhabil: enDiaInhabil(new Date(v.presentadoEn), { presentacion: v.fechaPresentacion, recepcion: new Date(v.fechaRecepcion) }),
    esFiler: p.rol === 'ciudadano',
  });
};

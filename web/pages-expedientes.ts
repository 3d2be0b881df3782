// Expediente pages (Spanish, server-rendered): the lists ("Mis trámites" for citizens, the tray for
// staff), the filing form, the cargo (constancia de presentación), the detail with its actions,
// and the public pages: consulta by number + tracking password, and document verification.
// Every rule lives in api/routes-expedientes.ts and domain/lifecycle.ts: these routes call the
// same functions the JSON API calls.
import Router from '@koa/router';
import type { Context } from 'koa';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AppDeps } from '../api/app';
import type { Views } from './render';
import { badRequest, notFound } from '../api/errors';
import { parse, text } from '../api/validation';
import { certifiedNotification, createFiling, expedienteDetail, listExpedientes, runAction, visibleExpediente, consultaExpediente } from '../api/routes-expedientes';
import { ANEXO_EXTENSIONS } from '../api/uploads';
import { blockedFor, hit, tooMany } from '../api/auth/throttle';
import { principal } from '../api/auth/session';
import { hmac, sameString } from '../lib/secrets';
import { formatInstant } from '../domain/calendar';
import { effectiveLimits, loadSettings } from '../lib/settings';
import { ACCIONES, ESTADOS, ESTADO_LABEL, FINAL_STATES, isAccion, refusal, type Accion } from '../domain/lifecycle';
import { attempt, failed, formOf, keep, pageUser, problem, seeOther, type Body } from './pages-cuentas';

const NUMERO = /^\d{5}-\d{4}$/;
const CODIGO = /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/;
const MB = 1024 * 1024;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
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

// ---------------------------------------------------------------------------------------------

export function expedientesPageRouter(deps: AppDeps, views: Views) {
  const r = new Router();

  const unidadesActivas = () => deps.db('unidades').where({ activa: true }).orderBy('nombre').select('codigo', 'nombre');
  const tiposActivos = () => deps.db('tipos_documento').where({ activo: true }).orderBy('nombre').select('codigo', 'nombre');
  async function nombres(table: 'unidades' | 'tipos_documento') {
    const rows: { codigo: string; nombre: string }[] = await deps.db(table).select('codigo', 'nombre');
    return new Map(rows.map((x) => [x.codigo, x.nombre]));
  }

  /** The upload limits in force (the admin's, else lib/config.ts), as the forms show them. */
  async function limites() {
    const l = await effectiveLimits(deps.db, deps.config);
    return {
      principalMB: l.principalBytes / MB,
      primerAnexoMB: l.firstAnexoBytes / MB,
      anexoMB: l.otherAnexoBytes / MB,
      principalBytes: l.principalBytes,
      primerAnexoBytes: l.firstAnexoBytes,
      anexoBytes: l.otherAnexoBytes,
      anexos: l.maxAnexos,
      extensiones: ANEXO_EXTENSIONS.join(', '),
      accept: ANEXO_EXTENSIONS.map((e) => `.${e}`).join(','),
    };
  }

  const horario = async () => {
    const { horario: h } = await loadSettings(deps.db, deps.config);
    return { inicio: h.inicio, fin: h.fin };
  };

  // ---------- lists: Mis trámites (citizen) and Expedientes (staff) ----------
  const FILTROS = ['desde', 'hasta', 'numero', 'asunto', 'estado', 'unidad'] as const;

  async function listaPage(ctx: Context) {
    const p = principal(ctx);
    if (p?.kind !== 'cuenta') return views.render(ctx, 'inicio', { titulo: 'Mesa de Partes Virtual' });
    const ciudadano = p.rol === 'ciudadano';
    const filtros: Record<string, string> = {};
    for (const k of FILTROS) {
      const v = str(ctx.query[k])?.trim();
      if (v && !(ciudadano && k === 'unidad')) filtros[k] = v;
    }
    const despues = str(ctx.query.despues)?.trim();
    // Page size: 20 unless asked (the API's own bounds apply); kept in the pagination links.
    const limite = str(ctx.query.limite)?.trim();
    const enlaces = { ...filtros, ...(limite ? { limite } : {}) };
    const [tipos, unidades] = await Promise.all([nombres('tipos_documento'), unidadesActivas()]);
    const unidadNombre = new Map(unidades.map((u: { codigo: string; nombre: string }) => [u.codigo, u.nombre]));
    const res = await attempt(() => listExpedientes(ctx, deps, { ...filtros, ...(despues ? { despues } : {}), limite: limite || '20' }));
    let data: Body;
    if (res.ok) {
      const { expedientes, siguiente } = res.value;
      data = {
        expedientes: expedientes.map((e) => ({
          ...e,
          tipoNombre: tipos.get(e.tipoDocumento) ?? e.tipoDocumento,
          unidadNombre: e.unidad ? (unidadNombre.get(e.unidad) ?? e.unidad) : 'Mesa de Partes',
        })),
        siguienteUrl: siguiente ? `/?${new URLSearchParams({ ...enlaces, despues: String(siguiente) })}` : undefined,
        primeraUrl: despues ? `/?${new URLSearchParams(enlaces)}` : undefined,
      };
    } else {
      failed(ctx, res.err);
      data = { expedientes: [], ...problem(res.err) };
    }
    const view = ciudadano ? 'mis-tramites' : 'home';
    views.render(ctx, view, {
      titulo: ciudadano ? 'Mis trámites' : 'Expedientes',
      filtros,
      filtrado: Object.keys(filtros).length > 0 || !!despues,
      estados: ESTADO_OPCIONES,
      unidades,
      ...data,
    });
  }

  r.get('/', listaPage);

  // ---------- filing form ----------
  async function nuevoPage(ctx: Context, data: Body = {}) {
    const [tipos, unidades, ahora] = await Promise.all([tiposActivos(), unidadesActivas(), deps.calendar.presentacion(deps.clock.now())]);
    const idem = randomUUID();
    views.render(ctx, 'expediente-nuevo', {
      titulo: 'Presentar documento',
      tipos,
      unidades,
      limites: await limites(),
      horario: await horario(),
      ahora: { presentacion: ahora.presentacion, recepcion: formatInstant(ahora.recepcion) },
      idem,
      accion: `/expedientes/nuevo?idem=${idem}`,
      valores: {},
      errores: {},
      ...data,
    });
  }

  r.get('/expedientes/nuevo', async (ctx) => {
    if (!pageUser(ctx, 'ciudadano')) return;
    await nuevoPage(ctx);
  });

  // Without JavaScript: the browser posts the multipart form here. createFiling reads the body
  // itself (streaming); the form's one-per-render key in the URL makes a double submit harmless.
  r.post('/expedientes/nuevo', async (ctx) => {
    if (!pageUser(ctx, 'ciudadano')) return;
    const idem = str(ctx.query.idem);
    if (idem && !ctx.get('Idempotency-Key')) ctx.req.headers['idempotency-key'] = idem;
    const res = await attempt(() => createFiling(ctx, deps));
    if (res.ok) return seeOther(ctx, `/expedientes/${res.value.numero}/cargo?nuevo=1`);
    failed(ctx, res.err);
    // The body was read by the service: what was typed is gone, and files are never kept.
    await nuevoPage(ctx, { ...problem(res.err), reintento: true });
  });

  // ---------- cargo (constancia de presentación) ----------
  r.get('/expedientes/:numero/cargo', async (ctx) => {
    const p = pageUser(ctx);
    if (!p) return;
    const exp = await expedienteDetail(deps, await visibleExpediente(ctx, deps, ctx.params.numero));
    views.render(ctx, 'expediente-cargo', {
      titulo: `Cargo de recepción ${exp.numero}`,
      expediente: exp,
      documentos: exp.documentos.filter((d) => d.vigente && (d.rol === 'PRINCIPAL' || d.rol === 'ANEXO')),
      nuevo: ctx.query.nuevo === '1',
      fueraDeHorario: !!exp.fechaRecepcion && exp.fechaRecepcion !== exp.presentadoEn,
      esFiler: p.rol === 'ciudadano',
    });
  });

  // ---------- detail with the actions the viewer may take ----------
  async function detallePage(ctx: Context, numero: string, data: Body = {}) {
    const p = pageUser(ctx);
    if (!p) return;
    const row = await visibleExpediente(ctx, deps, numero);
    const [exp, unidades, tipos] = await Promise.all([expedienteDetail(deps, row), unidadesActivas(), tiposActivos()]);
    const unidadNombre = new Map(unidades.map((u: { codigo: string; nombre: string }) => [u.codigo, u.nombre]));
    const facts = { numero: exp.numero, estado: exp.estado, unidad: exp.unidad, recibido: exp.recibido };
    const who = { rol: p.rol, unidad: p.unidad };
    const puede = Object.fromEntries(ACCIONES.map((a) => [a, refusal(a, facts, who) === null])) as Record<Accion, boolean>;
    const esPersonal = p.rol !== 'ciudadano';
    const documentos = exp.documentos.filter((d) => d.vigente);
    const principalPdf = documentos.find((d) => d.rol === 'PRINCIPAL' && d.mime === 'application/pdf');
    const observacion = exp.estado === 'OBSERVADO' ? [...exp.seguimiento].reverse().find((s) => s.accion === 'OBSERVAR') : undefined;
    const ok = str(ctx.query.ok);
    views.render(ctx, 'expediente', {
      titulo: `Expediente ${exp.numero}`,
      expediente: {
        ...exp,
        unidadNombre: exp.unidad ? (unidadNombre.get(exp.unidad) ?? exp.unidad) : 'Mesa de Partes',
        seguimiento: exp.seguimiento.map((s) => ({ ...s, unidadNombre: s.unidad ? (unidadNombre.get(s.unidad) ?? s.unidad) : 'Mesa de Partes' })),
      },
      documentos,
      principalPdf: esPersonal ? principalPdf : undefined,
      esPersonal,
      puede,
      hayAcciones: Object.values(puede).some(Boolean),
      observacion: observacion ? { motivo: observacion.nota, en: observacion.ocurridoEn, venceEn: exp.venceEn } : undefined,
      destinos: unidades.filter((u: { codigo: string }) => u.codigo !== exp.unidad),
      tipos,
      limites: await limites(),
      plazoSubsanacion: deps.config.plazos.subsanacion,
      mostrarPlazo: !!exp.venceEn && !FINAL_STATES.includes(exp.estado),
      aviso: ok && isAccion(ok) && !data.alerta ? OK_MENSAJE[ok] : undefined,
      errores: {},
      ...data,
      // The update form starts from the current data; a form that came back keeps what was typed.
      valores: { actualizar: { asunto: exp.asunto, contenido: exp.contenido, folios: exp.folios }, ...(data.valores as Body | undefined) },
    });
  }

  r.get('/expedientes/:numero', async (ctx) => {
    if (ctx.params.numero === 'nuevo') return; // handled above; never a number
    await detallePage(ctx, ctx.params.numero);
  });

  // Each action form posts here (urlencoded: observar, derivar, recibir, anular; multipart for
  // actualizar, subsanar, atender: runAction reads the multipart body itself).
  r.post('/expedientes/:numero/:accion', async (ctx) => {
    if (!pageUser(ctx)) return;
    const { numero, accion } = ctx.params;
    if (!isAccion(accion)) throw notFound('Acción desconocida.');
    const body = ctx.is('multipart') ? {} : formOf(ctx);
    let res: Awaited<ReturnType<typeof attempt<unknown>>>;
    if (accion === 'anular' && !checked(body.confirmo)) {
      res = { ok: false, err: badRequest('Marque «Confirmo que deseo anular este expediente» para anularlo.', 'confirmo') };
    } else if (accion === 'derivar' && !checked(body.confirmo)) {
      res = { ok: false, err: badRequest('Marque «Confirmo la derivación» para derivar el expediente.', 'confirmo') };
    } else {
      res = await attempt(() => runAction(ctx, deps, numero, accion));
    }
    if (res.ok) return seeOther(ctx, `/expedientes/${numero}?ok=${accion}`);
    // Not visible or not logged in: the error page, as for the GET.
    if (res.err.status === 401 || res.err.status === 404) throw res.err;
    failed(ctx, res.err);
    const valores: Body = keep(body);
    delete valores.confirmo;
    await detallePage(ctx, numero, { abierta: accion, valores: { [accion]: valores }, ...problem(res.err, (f) => `${accion}-${f}`) });
  });

  // ---------- public: consulta by number and tracking password ----------
  const consultaPage = (ctx: Context, data: Body) => views.render(ctx, 'consulta', { titulo: 'Consultar expediente', valores: {}, errores: {}, ...data });

  r.get('/consulta', (ctx) => {
    const numero = str(ctx.query.numero)?.trim();
    consultaPage(ctx, { valores: { numero: numero && NUMERO.test(numero) ? numero : '' } });
  });

  // POST, not GET: the tracking password never goes into a URL (history, logs, Referer).
  r.post('/consulta', async (ctx) => {
    const body = formOf(ctx);
    const res = await attempt(() => consultaExpediente(deps, ctx.ip, { numero: body.numero, clave: body.clave }));
    const valores = { numero: str(body.numero) ?? '' };
    if (!res.ok) {
      failed(ctx, res.err);
      return consultaPage(ctx, { valores, ...problem(res.err) });
    }
    const unidadNombre = await nombres('unidades');
    const e = res.value;
    consultaPage(ctx, {
      valores,
      resultado: {
        ...e,
        seguimiento: e.seguimiento.map((s) => ({ ...s, unidadNombre: s.unidad ? (unidadNombre.get(s.unidad) ?? s.unidad) : 'Mesa de Partes' })),
      },
    });
  });

  // ---------- public: what a verification code certifies ----------
  async function verificacionPage(ctx: Context, raw: string | undefined) {
    const codigo = (raw ?? '').trim().toUpperCase();
    const titulo = 'Verificar un documento';
    if (!codigo) return views.render(ctx, 'verificacion', { titulo, valores: {} });
    const v = CODIGO.test(codigo)
      ? await deps.db('verificaciones as v')
          .join('expedientes as e', 'e.id', 'v.expediente_id')
          .where('v.codigo', codigo)
          .first('v.codigo', 'v.tipo', 'v.sha256', 'v.emitido_en', 'v.detalle', 'e.numero', 'e.asunto', 'e.fecha_presentacion')
      : undefined;
    if (!v) {
      ctx.status = 404;
      return views.render(ctx, 'verificacion', { titulo, valores: { codigo }, alerta: 'No existe un documento con ese código.', noExiste: true });
    }
    const detalle = (v.detalle ?? {}) as { documento?: string; notificacion?: Parameters<typeof certifiedNotification>[0] };
    views.render(ctx, 'verificacion', {
      titulo: `Verificación ${codigo}`,
      valores: { codigo },
      documento: {
        codigo,
        nombre: detalle.documento ?? (v.tipo === 'CARGO' ? 'Cargo de recepción' : v.tipo === 'CONSTANCIA' ? 'Constancia de notificación electrónica' : v.tipo),
        expediente: v.numero,
        asunto: v.asunto,
        fechaPresentacion: v.fecha_presentacion,
        emitidoEn: formatInstant(new Date(v.emitido_en)),
        sha256: v.sha256,
        notificacion: detalle.notificacion ? certifiedNotification(detalle.notificacion) : undefined,
      },
    });
  }

  r.get('/verificacion', (ctx) => verificacionPage(ctx, str(ctx.query.codigo)));
  r.get('/verificacion/:codigo', (ctx) => verificacionPage(ctx, ctx.params.codigo));

  return r;
}

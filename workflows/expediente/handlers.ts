// The case's messages: the estado query, the calendar signal, and each action as an Update whose
// validator refuses, before anything is recorded, what the state, the actor or the input does not allow.
import { ApplicationFailure, patched, setHandler } from '@temporalio/workflow';
import { escritoRefusal, isStateRefusal, refusal, withUltimaAccion, type Accion } from '../../domain/lifecycle';
import { atenderInputRefusal, derivarInputRefusal, escritoInputRefusal, notificarInputRefusal, subsanarInputRefusal, type InputRefusal } from '../../domain/acciones';
import {
  FORBIDDEN,
  REFUSED,
  actualizarUpdate,
  anularUpdate,
  atenderUpdate,
  calendarioSignal,
  derivarUpdate,
  escritoUpdate,
  estadoQuery,
  notificarUpdate,
  observarUpdate,
  recibirUpdate,
  subsanarUpdate,
  type Actor,
} from '../definitions';
import { presentacionDe, registrar } from '../escrito';
import { acts } from './acts';
import { mail, type Casilla } from './casilla';
import type { Caso } from './state';

export function setHandlers(c: Caso, casilla: Casilla) {
  const { s, input } = c;

  const check = (accion: Accion, actor: Actor) => {
    const reason = refusal(accion, s, { rol: actor.rol, unidad: actor.unidad });
    if (!reason) return;
    const stateReason = isStateRefusal(reason);
    throw ApplicationFailure.create({ type: stateReason ? REFUSED : FORBIDDEN, message: stateReason ? withUltimaAccion(reason, c.ultimo) : reason, nonRetryable: true });
  };
  // A refused input is a refusal like a state's; `campo` names the field, as the API's 400 does.
  const checkInput = (r: InputRefusal | null) => {
    if (r) throw ApplicationFailure.create({ type: REFUSED, message: r.reason, nonRetryable: true, details: [{ campo: r.field }] });
  };
  // Since 'avisos-personal' the staff whose desk the step put the case on are told (issue #15).
  const avisarPersonal = async (secuencia: number) => {
    if (!patched('avisos-personal')) return;
    const r = await acts.avisarPersonal({ numero: s.numero, secuencia });
    for (const id of r.correoIds) await mail(id, r.maxRetrySeconds);
  };

  setHandler(estadoQuery, c.view);
  setHandler(calendarioSignal, () => {
    c.calendarChanged = true;
  });

  setHandler(
    observarUpdate,
    async ({ actor, motivo }) => {
      const previo = s.estado;
      const depositadoEn = new Date().toISOString();
      // Set before any await: the main loop computes the subsanación deadline from it.
      c.observacion = { depositadoEn, estadoPrevio: previo, actor };
      const v = await c.transition('OBSERVAR', actor, 'OBSERVADO', { nota: motivo });
      // The office's plazo stops while the citizen corrects (TUO 27444 art. 136.3).
      const consumed = await acts.businessDaysElapsed({ desde: c.oficina.desde, hasta: depositadoEn });
      c.oficina.dias = Math.max(1, c.oficina.dias - consumed);
      if (patched('casilla')) {
        const obs = c.observacion;
        const d = await casilla.depositar({
          evento: `observacion:${s.numero}:${v.secuencia}`,
          tipo: 'OBSERVACION',
          actor,
          detalle: motivo,
          documentos: [],
          plazo: { dias: input.plazos.subsanacion, descripcion: 'Subsanación de observaciones' },
        });
        // The subsanación plazo runs from the deposit in the casilla (Ley 31736), not the click.
        if (d && c.observacion === obs) {
          obs.depositadoEn = d.depositadaEn;
          c.plazoDirty = true;
        }
        return c.view();
      }
      const plazo = await acts.computePlazo({ desde: depositadoEn, dias: input.plazos.subsanacion });
      const n = await acts.notifyCiudadano({
        numero: s.numero,
        evento: `observacion:${s.numero}:${v.secuencia}`,
        tipo: 'OBSERVACION',
        detalle: motivo,
        vence: plazo.vence,
      });
      await mail(n.correoId, n.maxRetrySeconds);
      return c.view();
    },
    { validator: ({ actor }) => check('observar', actor) },
  );

  setHandler(
    subsanarUpdate,
    async ({ actor, nota, documentos, recepcion }) => {
      const back = c.observacion?.estadoPrevio ?? 'PENDIENTE_VALIDACION';
      const { view: v, documentos: recorded } = await c.record('SUBSANAR', actor, back, { nota, documentos });
      // The office's plazo runs again from the subsanación's reception.
      c.observacion = null;
      if (recepcion && patched('cargo-subsanacion')) {
        // Its cargo prints that reception: the office's plazo restarts from the very instant printed.
        c.oficina.desde = recepcion.recibidoEn;
        c.plazoDirty = true;
        const subsanacion = { asunto: 'Subsanación de observaciones', contenido: nota, documentos: recorded, recepcion, idempotencyKey: null };
        await registrar({ numero: s.numero, tipo: 'SUBSANACION', secuencia: v.secuencia, actor: actor.usuario, ...subsanacion });
        await avisarPersonal(v.secuencia);
        return v;
      }
      c.oficina.desde = await acts.receptionInstant({ en: new Date().toISOString() });
      c.plazoDirty = true;
      await avisarPersonal(v.secuencia);
      return v;
    },
    {
      validator: ({ actor, nota, documentos }) => {
        check('subsanar', actor);
        checkInput(subsanarInputRefusal({ nota, documentos }));
      },
    },
  );

  setHandler(
    actualizarUpdate,
    ({ actor, nota, documentos, cambios }) => c.transition('ACTUALIZAR', actor, 'PENDIENTE_VALIDACION', { nota, documentos, cambios }),
    { validator: ({ actor }) => check('actualizar', actor) },
  );

  setHandler(
    anularUpdate,
    ({ actor, motivo }) => c.transition('ANULAR', actor, 'ANULADO', { nota: motivo }),
    { validator: ({ actor }) => check('anular', actor) },
  );

  setHandler(
    derivarUpdate,
    async ({ actor, unidad, proveido }) => {
      const v = await c.transition('DERIVAR', actor, 'DERIVADO', { unidad, recibido: false, nota: proveido });
      await avisarPersonal(v.secuencia);
      return v;
    },
    {
      validator: ({ actor, unidad }) => {
        check('derivar', actor);
        checkInput(derivarInputRefusal(s, { unidad }));
      },
    },
  );

  setHandler(
    recibirUpdate,
    ({ actor }) => c.transition('RECIBIR', actor, 'DERIVADO', { recibido: true }),
    { validator: ({ actor }) => check('recibir', actor) },
  );

  setHandler(
    atenderUpdate,
    async ({ actor, comentario, documentos, tipoDocumento, numeroDocumento }) => {
      const { view: v, documentos: recorded } = await c.record('ATENDER', actor, 'ATENDIDO', { nota: comentario, documentos });
      if (patched('casilla')) {
        // Since 'respuesta-numerada' the response reaches the casilla with the type and number its office gave it.
        const numerada = patched('respuesta-numerada') ? { tipoDocumento: tipoDocumento ?? undefined, numeroDocumento: numeroDocumento ?? null } : {};
        await casilla.depositar({ evento: `atencion:${s.numero}:${v.secuencia}`, tipo: 'ATENCION', actor, detalle: comentario, documentos: recorded, ...numerada });
        return c.view();
      }
      const n = await acts.notifyCiudadano({
        numero: s.numero,
        evento: `atencion:${s.numero}:${v.secuencia}`,
        tipo: 'ATENCION',
        detalle: comentario,
        vence: null,
      });
      await mail(n.correoId, n.maxRetrySeconds);
      return c.view();
    },
    {
      validator: ({ actor, documentos, tipoDocumento, numeroDocumento }) => {
        check('atender', actor);
        checkInput(atenderInputRefusal({ documentos, tipoDocumento, numeroDocumento }));
      },
    },
  );

  setHandler(
    notificarUpdate,
    async ({ actor, asunto, detalle, tipoDocumento, numeroDocumento, documentos }) => {
      const { view: v, documentos: recorded } = await c.record('NOTIFICAR', actor, s.estado, { nota: asunto, documentos });
      await casilla.depositar({ evento: `notificacion:${s.numero}:${v.secuencia}`, tipo: 'NOTIFICACION', actor, asunto, detalle, tipoDocumento, numeroDocumento, documentos: recorded });
      return c.view();
    },
    {
      validator: ({ actor, documentos }) => {
        check('notificar', actor);
        checkInput(notificarInputRefusal({ documentos }));
      },
    },
  );

  // An escrito (issue #14): the filer adds a document in any state but ANULADO/ARCHIVADO. The case's
  // state, office and plazo stay as they are; the step is its seguimiento's, its cargo its own.
  setHandler(
    escritoUpdate,
    async (e) => {
      const { view: v, documentos } = await c.record('ESCRITO', e.actor, s.estado, { nota: e.asunto, documentos: e.documentos, keepsLastAction: true });
      return registrar({ ...presentacionDe(s.numero, v.secuencia, e), documentos });
    },
    {
      validator: (e) => {
        // Cases started before 2026-12-01 do not know their filer: the API checked it (404 for anyone else).
        const filer = input.presentante;
        const esPresentante = filer ? e.presentante.cuentaId === filer.cuentaId && e.presentante.apiTokenId === filer.apiTokenId : undefined;
        const reason = escritoRefusal(s, { rol: e.actor.rol, unidad: e.actor.unidad, esPresentante });
        if (reason) throw ApplicationFailure.create({ type: isStateRefusal(reason) ? REFUSED : FORBIDDEN, message: reason, nonRetryable: true });
        checkInput(escritoInputRefusal({ documentos: e.documentos }));
      },
    },
  );
}

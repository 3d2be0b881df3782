// One durable workflow per expediente: its state machine, its history and its plazos.
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../activities';
import type { DepositInput } from '../activities/casilla';
import { FINAL_STATES, isStateRefusal, refusal, type Accion, type Estado } from '../domain/lifecycle';
import {
  FORBIDDEN,
  REFUSED,
  actualizarUpdate,
  anularUpdate,
  atenderUpdate,
  calendarioSignal,
  correoWorkflowId,
  derivarUpdate,
  estadoQuery,
  notificarUpdate,
  observarUpdate,
  recibirUpdate,
  searchAttributes,
  subsanarUpdate,
  type Actor,
  type Adjunto,
  type CambiosExpediente,
  type Deadline,
  type DocRef,
  type EstadoView,
  type ExpedienteInput,
} from './definitions';
import { correoWorkflow } from './correo';

const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

const SISTEMA: Actor = { usuario: 'sistema', rol: 'supervisor' };

interface TransitionChanges {
  unidad?: string | null;
  recibido?: boolean;
  nota?: string | null;
  documentos?: Adjunto[];
  cambios?: CambiosExpediente;
}

export async function expedienteWorkflow(input: ExpedienteInput): Promise<EstadoView> {
  const s: EstadoView = {
    numero: input.numero,
    estado: 'PENDIENTE_VALIDACION',
    unidad: input.unidad,
    recibido: false,
    secuencia: 0,
    plazo: null,
    vencido: false,
  };
  let ultimo: { accion: string; usuario: string; en: string } | null = null;
  // The office's plazo: from `desde`, `dias` business days; paused (consumed days kept) while observed.
  const oficina = { desde: input.recibidoEn, dias: input.plazos.atencion };
  let observacion: { depositadoEn: string; estadoPrevio: Estado; actor: Actor } | null = null;
  let calendarChanged = false;
  let plazoDirty = true;

  const view = (): EstadoView => ({ ...s, plazo: s.plazo && { ...s.plazo } });

  async function mail(correoId: number | null | undefined, maxRetrySeconds: number) {
    if (!correoId) return;
    try {
      await startChild(correoWorkflow, {
        workflowId: correoWorkflowId(correoId),
        args: [{ correoId, maxRetrySeconds }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }

  // Casilla electrónica: the deposit is part of the action; its constancia and the alert mail
  // follow in the background, so a slow or crashed Chromium delays them, never the action.
  const entregas: Promise<void>[] = [];
  async function depositar(n: Omit<DepositInput, 'numero' | 'emitidoEn'>) {
    const d = await acts.depositNotification({ ...n, numero: s.numero, emitidoEn: new Date().toISOString() });
    if (d) {
      entregas.push(
        (async () => {
          const c = await acts.emitConstancia({ id: d.id });
          await mail(c.correoId, c.maxRetrySeconds);
        })(),
      );
    }
    return d;
  }

  // State changes happen synchronously, before any await, so a concurrent update's validator
  // already sees them and is refused instead of acting on a stale state.
  async function transition(accion: string, actor: Actor, to: Estado, changes: TransitionChanges = {}) {
    return (await record(accion, actor, to, changes)).view;
  }

  /** A transition, with its documents as the read model recorded them (with their ids). */
  async function record(accion: string, actor: Actor, to: Estado, changes: TransitionChanges = {}) {
    const from = s.secuencia === 0 ? null : s.estado;
    const at = new Date().toISOString();
    if (to !== s.estado || changes.unidad !== undefined) plazoDirty = true;
    s.estado = to;
    if (changes.unidad !== undefined) s.unidad = changes.unidad;
    if (changes.recibido !== undefined) s.recibido = changes.recibido;
    s.secuencia += 1;
    ultimo = { accion, usuario: actor.usuario, en: at };
    upsertSearchAttributes([
      { key: searchAttributes.estado, value: s.estado },
      { key: searchAttributes.unidad, value: s.unidad ?? '' },
    ]);
    const recorded = await acts.recordTransition({
      numero: s.numero,
      secuencia: s.secuencia,
      accion,
      estadoAnterior: from,
      estadoNuevo: to,
      actor: actor.usuario,
      unidad: s.unidad,
      recibido: s.recibido,
      nota: changes.nota ?? null,
      ocurridoEn: at,
      documentos: changes.documentos ?? [],
      cambios: changes.cambios,
    });
    // Recorded before 2026-11-29 (the activity answered nothing): the update carried the ids.
    return { view: view(), documentos: recorded ?? ((changes.documentos ?? []) as DocRef[]) };
  }

  const check = (accion: Accion, actor: Actor) => {
    const reason = refusal(accion, s, { rol: actor.rol, unidad: actor.unidad });
    if (!reason) return;
    const stateReason = isStateRefusal(reason);
    const last = stateReason && ultimo ? ` Última acción: ${ultimo.accion.toLowerCase()} por ${ultimo.usuario} (${ultimo.en}).` : '';
    throw ApplicationFailure.create({ type: stateReason ? REFUSED : FORBIDDEN, message: reason + last, nonRetryable: true });
  };

  // The filing is the case's first step, taken before any handler exists: an action that came in
  // the very first workflow task (the worker was down at filing time) then follows it instead of
  // being overwritten by it.
  const presentado = patched('presentar-antes-que-acciones') ? transition('PRESENTAR', SISTEMA, 'PENDIENTE_VALIDACION') : null;

  setHandler(estadoQuery, view);
  setHandler(calendarioSignal, () => {
    calendarChanged = true;
  });

  setHandler(
    observarUpdate,
    async ({ actor, motivo }) => {
      const previo = s.estado;
      const depositadoEn = new Date().toISOString();
      // Set before any await: the main loop computes the subsanación deadline from it.
      observacion = { depositadoEn, estadoPrevio: previo, actor };
      const v = await transition('OBSERVAR', actor, 'OBSERVADO', { nota: motivo });
      // The office's plazo stops while the citizen corrects (TUO 27444 art. 136.3).
      const consumed = await acts.businessDaysElapsed({ desde: oficina.desde, hasta: depositadoEn });
      oficina.dias = Math.max(1, oficina.dias - consumed);
      if (patched('casilla')) {
        const obs = observacion;
        const d = await depositar({
          evento: `observacion:${s.numero}:${v.secuencia}`,
          tipo: 'OBSERVACION',
          actor,
          detalle: motivo,
          documentos: [],
          plazo: { dias: input.plazos.subsanacion, descripcion: 'Subsanación de observaciones' },
        });
        // The subsanación plazo runs from the deposit in the casilla (Ley 31736), not the click.
        if (d && observacion === obs) {
          obs.depositadoEn = d.depositadaEn;
          plazoDirty = true;
        }
        return view();
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
      return view();
    },
    { validator: ({ actor }) => check('observar', actor) },
  );

  setHandler(
    subsanarUpdate,
    async ({ actor, nota, documentos }) => {
      const back = observacion?.estadoPrevio ?? 'PENDIENTE_VALIDACION';
      const v = await transition('SUBSANAR', actor, back, { nota, documentos });
      // The office's plazo runs again from the subsanación's reception.
      observacion = null;
      oficina.desde = await acts.receptionInstant({ en: new Date().toISOString() });
      plazoDirty = true;
      return v;
    },
    { validator: ({ actor }) => check('subsanar', actor) },
  );

  setHandler(
    actualizarUpdate,
    ({ actor, nota, documentos, cambios }) => transition('ACTUALIZAR', actor, 'PENDIENTE_VALIDACION', { nota, documentos, cambios }),
    { validator: ({ actor }) => check('actualizar', actor) },
  );

  setHandler(
    anularUpdate,
    ({ actor, motivo }) => transition('ANULAR', actor, 'ANULADO', { nota: motivo }),
    { validator: ({ actor }) => check('anular', actor) },
  );

  setHandler(
    derivarUpdate,
    ({ actor, unidad, proveido }) => transition('DERIVAR', actor, 'DERIVADO', { unidad, recibido: false, nota: proveido }),
    { validator: ({ actor }) => check('derivar', actor) },
  );

  setHandler(
    recibirUpdate,
    ({ actor }) => transition('RECIBIR', actor, 'DERIVADO', { recibido: true }),
    { validator: ({ actor }) => check('recibir', actor) },
  );

  setHandler(
    atenderUpdate,
    async ({ actor, comentario, documentos }) => {
      const { view: v, documentos: recorded } = await record('ATENDER', actor, 'ATENDIDO', { nota: comentario, documentos });
      if (patched('casilla')) {
        await depositar({ evento: `atencion:${s.numero}:${v.secuencia}`, tipo: 'ATENCION', actor, detalle: comentario, documentos: recorded });
        return view();
      }
      const n = await acts.notifyCiudadano({
        numero: s.numero,
        evento: `atencion:${s.numero}:${v.secuencia}`,
        tipo: 'ATENCION',
        detalle: comentario,
        vence: null,
      });
      await mail(n.correoId, n.maxRetrySeconds);
      return view();
    },
    { validator: ({ actor }) => check('atender', actor) },
  );

  setHandler(
    notificarUpdate,
    async ({ actor, asunto, detalle, tipoDocumento, numeroDocumento, documentos }) => {
      const { view: v, documentos: recorded } = await record('NOTIFICAR', actor, s.estado, { nota: asunto, documentos });
      await depositar({ evento: `notificacion:${s.numero}:${v.secuencia}`, tipo: 'NOTIFICACION', actor, asunto, detalle, tipoDocumento, numeroDocumento, documentos: recorded });
      return view();
    },
    { validator: ({ actor }) => check('notificar', actor) },
  );

  upsertSearchAttributes([{ key: searchAttributes.vencido, value: false }]);
  if (presentado) await presentado;
  else await transition('PRESENTAR', { usuario: 'sistema', rol: 'supervisor' }, 'PENDIENTE_VALIDACION');
  // The cargo is printed alongside the lifecycle: a slow or absent Chromium delays it, not the case.
  const cargoIssued = (async () => {
    const cargo = await acts.emitCargo({ numero: s.numero });
    await mail(cargo.correoId, cargo.maxRetrySeconds);
  })();

  // The deadline of the current state, computed on the calendar in force; asked again whenever
  // the state or the calendar changes.
  async function currentDeadline(): Promise<Deadline | null> {
    if (s.estado === 'OBSERVADO' && observacion) {
      const p = await acts.computePlazo({ desde: observacion.depositadoEn, dias: input.plazos.subsanacion });
      return { tipo: 'subsanacion', vence: p.vence };
    }
    if (s.estado === 'PENDIENTE_VALIDACION') {
      const p = await acts.computePlazo({ desde: oficina.desde, dias: Math.min(input.plazos.validacion, oficina.dias) });
      return { tipo: 'validacion', vence: p.vence };
    }
    if (s.estado === 'DERIVADO') {
      const p = await acts.computePlazo({ desde: oficina.desde, dias: oficina.dias });
      return { tipo: 'atencion', vence: p.vence };
    }
    return null;
  }

  // The deadline whose expiry was already handled: each deadline is acted on once, even when it
  // had passed by the time it was computed (a case filed late, a slow calendar look-up).
  let handled: string | null = null;
  const woken = () => plazoDirty || calendarChanged || FINAL_STATES.includes(s.estado);
  while (!FINAL_STATES.includes(s.estado)) {
    if (plazoDirty || calendarChanged) {
      plazoDirty = false;
      calendarChanged = false;
      const estadoAntes = s.estado;
      const d = await currentDeadline();
      if (s.estado !== estadoAntes) continue; // an update moved the case meanwhile: compute again
      s.plazo = d;
      s.vencido = d !== null && d.vence === handled;
      upsertSearchAttributes([
        { key: searchAttributes.venceEn, value: d ? new Date(d.vence) : null },
        { key: searchAttributes.vencido, value: s.vencido },
      ]);
      await acts.updateDeadline({ numero: s.numero, venceEn: d?.vence ?? null, vencido: s.vencido });
      continue;
    }
    if (!s.plazo || s.plazo.vence === handled) {
      await condition(woken);
      continue;
    }
    const remaining = Date.parse(s.plazo.vence) - Date.now();
    if (remaining > 0 && (await condition(woken, remaining))) continue;

    // The deadline passed with nothing changing.
    handled = s.plazo.vence;
    if (s.plazo.tipo === 'subsanacion') {
      const v = await transition('ARCHIVAR', SISTEMA, 'ARCHIVADO', {
        nota: 'Vencido el plazo de subsanación sin respuesta: se tiene por no presentado (TUO Ley 27444, art. 136).',
      });
      if (patched('casilla')) {
        await depositar({
          evento: `archivo:${s.numero}:${v.secuencia}`,
          tipo: 'ARCHIVO',
          actor: SISTEMA,
          detalle: 'Venció el plazo de subsanación sin que se subsanaran las observaciones: se tiene por no presentado (TUO Ley 27444, art. 136).',
          documentos: [],
        });
        continue;
      }
      const n = await acts.notifyCiudadano({
        numero: s.numero,
        evento: `archivo:${s.numero}:${v.secuencia}`,
        tipo: 'ARCHIVO',
        detalle: 'Venció el plazo de subsanación sin que se subsanaran las observaciones.',
        vence: null,
      });
      await mail(n.correoId, n.maxRetrySeconds);
    } else {
      s.vencido = true;
      upsertSearchAttributes([{ key: searchAttributes.vencido, value: true }]);
      await acts.updateDeadline({ numero: s.numero, venceEn: s.plazo.vence, vencido: true });
      const alerts = await acts.alertSupervisors({ numero: s.numero, evento: `vencido:${s.numero}:${s.secuencia}:${s.plazo.tipo}`, plazo: s.plazo.tipo });
      for (const a of alerts.correoIds) await mail(a, alerts.maxRetrySeconds);
    }
  }
  await cargoIssued;
  await condition(allHandlersFinished);
  // After the handlers: a deposit made by the last action has queued its constancia by now.
  await Promise.all(entregas);
  return view();
}

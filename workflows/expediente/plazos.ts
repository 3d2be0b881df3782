// The plazo of the case's current state: computed by an activity on the calendar in force, slept
// on with a timer, computed again when the state or the calendar changes, acted on once when it passes.
import { condition, patched, upsertSearchAttributes } from '@temporalio/workflow';
import { FINAL_STATES } from '../../domain/lifecycle';
import { searchAttributes, type Deadline } from '../definitions';
import { acts } from './acts';
import { mail, type Casilla } from './casilla';
import { SISTEMA, type Caso } from './state';

/** The deadline of the case's current state, on the calendar in force; null in a final state. */
async function currentDeadline(c: Caso): Promise<Deadline | null> {
  const { s, input, oficina, observacion } = c;
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

/** Watches the case's plazos until it reaches a final state. */
export async function watchPlazos(c: Caso, casilla: Casilla): Promise<void> {
  const { s } = c;
  // The deadline whose expiry was already handled: each deadline is acted on once, even when it
  // had passed by the time it was computed (a case filed late, a slow calendar look-up).
  let handled: string | null = null;
  const woken = () => c.plazoDirty || c.calendarChanged || FINAL_STATES.includes(s.estado);
  while (!FINAL_STATES.includes(s.estado)) {
    if (c.plazoDirty || c.calendarChanged) {
      c.plazoDirty = false;
      c.calendarChanged = false;
      const estadoAntes = s.estado;
      const d = await currentDeadline(c);
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
      const v = await c.transition('ARCHIVAR', SISTEMA, 'ARCHIVADO', {
        nota: 'Vencido el plazo de subsanación sin respuesta: se tiene por no presentado (TUO Ley 27444, art. 136).',
      });
      if (patched('casilla')) {
        await casilla.depositar({
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
}

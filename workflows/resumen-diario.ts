// The daily digest of staff avisos (issue #15). The Temporal Schedule made at worker start
// (lib/worker.ts) starts this every day at 00:00 Lima; it waits for the opening in force (the admin
// may move it, or declare the day non-working, while it waits) and, on a business day, sends each
// person who chose «Resumen diario» one mail listing what arrived since their last one.
import { sleep } from '@temporalio/workflow';
import { acts } from './expediente/acts';
import { mail } from './expediente/casilla';

/** While waiting for the opening, the calendar and hours in force are read again at least this often. */
const RELEER_MS = 60 * 60 * 1000;

export interface ResumenDiarioInput {
  /** 'AAAA-MM-DD': the day to run for (a catch-up, a test); today in Lima when absent. */
  fecha?: string;
}

export interface ResumenDiarioResult {
  fecha: string;
  habil: boolean;
  /** Digests queued by this run. */
  resumenes: number;
  /** The day's digests handed over for delivery (those queued earlier and not yet delivered, too). */
  correoIds: number[];
}

export async function resumenDiarioWorkflow(input: ResumenDiarioInput = {}): Promise<ResumenDiarioResult> {
  let dia = await acts.aperturaResumen({ fecha: input.fecha ?? null });
  for (let espera = Date.parse(dia.abre) - Date.now(); dia.habil && espera > 0; espera = Date.parse(dia.abre) - Date.now()) {
    await sleep(Math.min(espera, RELEER_MS));
    dia = await acts.aperturaResumen({ fecha: dia.fecha });
  }
  if (!dia.habil) return { fecha: dia.fecha, habil: false, resumenes: 0, correoIds: [] };
  const r = await acts.enviarResumenes({ fecha: dia.fecha });
  for (const id of r.correoIds) await mail(id, r.maxRetrySeconds);
  return { fecha: dia.fecha, habil: true, resumenes: r.resumenes, correoIds: r.correoIds };
}

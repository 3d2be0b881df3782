// The citizen's casilla electrónica and mail, seen from the workflow: each mail is a workflow of
// its own; a deposit is part of its action, its constancia and alert mail follow in the background.
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { DepositInput } from '../../activities/casilla';
import { correoWorkflowId } from '../definitions';
import { correoWorkflow } from '../correo';
import { acts } from './acts';

/** Hands a queued mail to its own workflow, which retries delivery; one already started is left be. */
export async function mail(correoId: number | null | undefined, maxRetrySeconds: number) {
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

// A slow or crashed Chromium delays a constancia and its mail, never the action that deposited it.
export class Casilla {
  private readonly entregas: Promise<void>[] = [];

  constructor(private readonly numero: string) {}

  async depositar(n: Omit<DepositInput, 'numero' | 'emitidoEn'>) {
    const d = await acts.depositNotification({ ...n, numero: this.numero, emitidoEn: new Date().toISOString() });
    if (d) {
      this.entregas.push(
        (async () => {
          const c = await acts.emitConstancia({ id: d.id });
          await mail(c.correoId, c.maxRetrySeconds);
        })(),
      );
    }
    return d;
  }

  /** Every constancia queued so far, printed and its mail handed over. */
  delivered() {
    return Promise.all(this.entregas);
  }
}

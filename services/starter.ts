// Starts each filing's workflow. The filing is durable once its row is committed (number,
// documents, files), so the start can wait: while more than `config.starts.deferAbove` filings
// are in flight in this process, and for `config.starts.quietMs` after, a person filing is
// answered first and the starts of those filings follow once the burst is over (never later than
// `config.starts.maxDelayMs`). On a quiet server the start happens inside the request, so the
// case is already in Temporal when the page shows it. An action on a case whose start is still
// waiting starts it first (services/expedientes/acciones.ts); a start lost with its process is
// made by the sweeper (services/sweeper.ts).
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import { ensureWorkflow, type ParaIniciar } from './expedientes/workflow';

interface Pending {
  row: ParaIniciar;
  atencionDias?: number | null;
}

export interface WorkflowStarter {
  /** Counts a filing in flight until the returned function is called. */
  enter(): () => void;
  /** Starts the filing's workflow now, or queues it while the server is busy with filings. */
  start(row: ParaIniciar, atencionDias?: number | null): Promise<void>;
  /** Filings whose start is waiting in this process. */
  waiting(): number;
  /** Starts everything queued, busy or not (shutdown). */
  drain(): Promise<void>;
  stop(): void;
}

/** Starts at a time while draining the queue: Temporal answers each in a few milliseconds. */
const DRAIN_CONCURRENCY = 4;

export function createStarter(db: Knex, client: Client, config: Config): WorkflowStarter {
  const { deferAbove, quietMs, maxDelayMs } = config.starts;
  let inFlight = 0;
  let lastBusyAt = -Infinity;
  let queue: Pending[] = [];
  let draining: Promise<void> | undefined;
  let quietTimer: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let stopped = false;
  // Set when a filing waited `maxDelayMs` (or on drain()): the queue is emptied even while busy.
  let forced = false;

  const busy = () => inFlight > deferAbove || performance.now() - lastBusyAt < quietMs;

  async function runDrain() {
    while (queue.length && !stopped && (forced || !busy())) {
      const batch = queue.splice(0, DRAIN_CONCURRENCY);
      // A start Temporal refused stays unstarted in the database: the sweeper tries it again.
      await Promise.all(batch.map((p) => ensureWorkflow(db, client, config, p.row, p.atencionDias).catch(() => false)));
    }
    if (!queue.length) {
      forced = false;
      clearTimeout(deadline);
      deadline = undefined;
    }
  }

  /** Drains now if the burst is over, or sets a timer for when it will be if no filing comes. */
  function schedule() {
    if (!queue.length || stopped) return;
    if (forced || !busy()) {
      draining ??= runDrain().finally(() => {
        draining = undefined;
        schedule();
      });
      return;
    }
    if (inFlight <= deferAbove && !quietTimer) {
      quietTimer = setTimeout(() => {
        quietTimer = undefined;
        schedule();
      }, Math.max(1, quietMs - (performance.now() - lastBusyAt)));
      quietTimer.unref();
    }
  }

  return {
    enter() {
      inFlight += 1;
      if (inFlight > deferAbove) lastBusyAt = performance.now();
      let left = false;
      return () => {
        if (left) return;
        left = true;
        if (inFlight > deferAbove) lastBusyAt = performance.now();
        inFlight -= 1;
        schedule();
      };
    },
    async start(row, atencionDias) {
      if (row.workflow_iniciado_en) return;
      if (stopped || !busy()) {
        await ensureWorkflow(db, client, config, row, atencionDias);
        return;
      }
      queue.push({ row, atencionDias });
      if (!deadline) {
        deadline = setTimeout(() => {
          deadline = undefined;
          forced = true;
          schedule();
        }, maxDelayMs);
        deadline.unref();
      }
    },
    waiting: () => queue.length,
    async drain() {
      forced = true;
      schedule();
      while (draining) await draining;
    },
    stop() {
      stopped = true;
      clearTimeout(deadline);
      clearTimeout(quietTimer);
    },
  };
}

// What every use case may need, injected once by the process (bin/web.ts) or by a test.
import type { Knex } from 'knex';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config';
import type { Clock } from '../lib/clock';
import type { IdentityRegistry } from '../lib/identity-registry';
import type { Storage } from '../lib/storage';
import type { BusinessCalendar } from '../lib/business-calendar';
import type { PdfRenderer } from '../lib/pdf';
import type { WorkflowStarter } from './starter';

export interface AppDeps {
  db: Knex;
  temporal: Client;
  config: Config;
  clock: Clock;
  identity: IdentityRegistry;
  storage: Storage;
  calendar: BusinessCalendar;
  /** Starts the filings' workflows (services/starter.ts). */
  starter: WorkflowStarter;
  /** Prints PDF exports; Chromium starts at the first export. Absent: PDF exports answer 503. */
  pdf?: PdfRenderer;
}

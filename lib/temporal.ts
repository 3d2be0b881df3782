// Connections to the Temporal server, from the one config.
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config';

/**
 * A client that connects when first used: a web process started while Temporal is down comes up,
 * takes filings and answers actions with a 503 until the server is back (/ready says which).
 */
export async function connectClient(cfg: Config['temporal']): Promise<Client> {
  const connection = Connection.lazy({ address: cfg.address });
  return new Client({ connection, namespace: cfg.namespace });
}

export async function temporalReachable(client: Client, timeoutMs = 2000): Promise<boolean> {
  try {
    // A deadline, not a race: the call and the client's retries of it end with it.
    await client.connection.withDeadline(Date.now() + timeoutMs, () => client.connection.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}

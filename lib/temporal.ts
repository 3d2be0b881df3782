// Connections to the Temporal server, from the one config.
import { Client, Connection } from '@temporalio/client';
import type { Config } from './config';

export async function connectClient(cfg: Config['temporal']): Promise<Client> {
  const connection = await Connection.connect({ address: cfg.address });
  return new Client({ connection, namespace: cfg.namespace });
}

export async function temporalReachable(client: Client, timeoutMs = 2000): Promise<boolean> {
  try {
    await Promise.race([
      client.connection.workflowService.getSystemInfo({}),
      new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), timeoutMs).unref()),
    ]);
    return true;
  } catch {
    return false;
  }
}

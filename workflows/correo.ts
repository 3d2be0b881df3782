// One workflow per outgoing mail: delivery is retried until the SMTP server takes it.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { CorreoInput } from './definitions';

export async function correoWorkflow(input: CorreoInput): Promise<void> {
  const { deliverMail } = proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: `${input.maxRetrySeconds} seconds` },
  });
  await deliverMail(input.correoId);
}

// The activities the expediente workflow calls, proxied once: side effects retried until they succeed.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';

export const acts = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

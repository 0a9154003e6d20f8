/**
 * Typed proxies of the activities (the workflow imports only their types). Transient failures
 * (SMTP down, MongoDB restarting) retry with backoff for as long as it takes, at least once a
 * minute, so runs move on within a minute of the outage's end; failures retrying cannot fix are
 * thrown non-retryable by the activities themselves.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';

export type Activities = ReturnType<typeof createActivities>;

export const activities = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

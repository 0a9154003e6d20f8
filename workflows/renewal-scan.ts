/**
 * Started once a day by the renewal Schedule (engine/renewal-schedule.ts). The work is one
 * idempotent activity; the workflow gives it retries and a history to look at.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createRenewalScanActivities, RenewalScanSummary } from '../activities/renewal-scan.js';

const { scanRenewals } = proxyActivities<ReturnType<typeof createRenewalScanActivities>>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '30 seconds', maximumAttempts: 10 },
});

export async function renewalScan(): Promise<RenewalScanSummary> {
  return scanRenewals();
}

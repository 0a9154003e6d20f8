/**
 * The renewal scan as an activity: the daily Schedule starts the renewalScan workflow, which
 * runs this. The engine is built once by the worker (worker/main.ts), on the worker's own
 * Temporal connection, and injected; the scan is idempotent, so retries are safe.
 */
import { Context } from '@temporalio/activity';
import type { Engine } from '../engine/index.js';

export interface RenewalScanSummary {
  scannedAt: string;
  considered: number;
  /** How many accounts ended in each enrolment status (started, already_enrolled, cooldown, …). */
  counts: Record<string, number>;
}

export function createRenewalScanActivities(deps: { engine: Pick<Engine, 'scanRenewals'> }) {
  return {
    async scanRenewals(): Promise<RenewalScanSummary> {
      const context = Context.current();
      const { scannedAt, considered, counts } = await deps.engine.scanRenewals({
        onProgress: () => {
          context.heartbeat();
          // A cancelled scan (heartbeat timeout, worker shutdown) stops between accounts; the
          // next attempt starts over and the claims skip what this one enrolled.
          context.cancellationSignal.throwIfAborted();
        },
      });
      return { scannedAt, considered, counts };
    },
  };
}

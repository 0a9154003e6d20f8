/**
 * The renewal scan as an activity: the daily Schedule starts the renewalScan workflow, which
 * runs this. Runs are started with the worker's own Temporal client (activity context), so the
 * worker needs no extra connection; the scan is idempotent, so retries are safe.
 */
import { Context } from '@temporalio/activity';
import type { Db } from 'mongodb';
import { createEngine, type HealthThresholds } from '../engine/index.js';

export interface RenewalScanSummary {
  scannedAt: string;
  considered: number;
  /** How many accounts ended in each enrolment status (started, already_enrolled, cooldown, …). */
  counts: Record<string, number>;
}

export function createRenewalScanActivities(deps: {
  db: Db;
  taskQueue: string;
  thresholds?: HealthThresholds;
}) {
  return {
    async scanRenewals(): Promise<RenewalScanSummary> {
      const context = Context.current();
      const engine = createEngine({
        db: deps.db,
        temporal: context.client,
        taskQueue: deps.taskQueue,
        thresholds: deps.thresholds,
      });
      const { scannedAt, considered, counts } = await engine.scanRenewals({
        onProgress: () => context.heartbeat(),
      });
      return { scannedAt, considered, counts };
    },
  };
}

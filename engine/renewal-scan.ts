/**
 * The daily renewal scan: reads the accounts renewing within the window of the live
 * `renewal.approaching` playbooks and hands each to that trigger (engine/triggers/), which
 * enrols it in every playbook whose `daysBefore` it is within, once per renewal. The scan may
 * run any number of times a day (schedule catch-up, retries, a manual trigger).
 */
import { collections } from '../lib/collections.js';
import type { EnrolmentResult } from '../lib/documents.js';
import type { EngineDeps } from './engine-deps.js';
import { fireTrigger, listeningTo, renewalApproachingTrigger, renewalWindow } from './triggers/index.js';

export interface RenewalScanResult {
  scannedAt: string;
  /** Pairs of playbook and account whose renewal was in that playbook's window. */
  considered: number;
  counts: Record<string, number>;
  enrolments: Array<EnrolmentResult & { accountId: string }>;
}

export async function scanRenewals(
  deps: EngineDeps,
  opts: { onProgress?: () => void } = {},
): Promise<RenewalScanResult> {
  const now = deps.now();
  const result: RenewalScanResult = {
    scannedAt: now.toISOString(),
    considered: 0,
    counts: {},
    enrolments: [],
  };
  const listening = await listeningTo(deps, 'renewal.approaching');
  const renewing = renewalWindow(listening, now);
  if (!renewing) return result;
  const cursor = collections(deps.db)
    .accounts.find({ renewalAt: { $gte: renewing.from, $lte: renewing.to } })
    .sort({ _id: 1 });
  for await (const account of cursor) {
    // The query matched `renewalAt`, so every account read has one.
    const fact = { account, renewalAt: account.renewalAt as Date, scannedAt: now };
    const outcomes = await fireTrigger(deps, renewalApproachingTrigger, fact, listening);
    for (const outcome of outcomes) {
      result.considered++;
      result.counts[outcome.status] = (result.counts[outcome.status] ?? 0) + 1;
      result.enrolments.push({ ...outcome, accountId: account._id });
    }
    opts.onProgress?.();
  }
  return result;
}

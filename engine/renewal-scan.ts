/**
 * The daily renewal scan: every live `renewal.approaching` playbook enrols the accounts whose
 * `renewalAt` is at most `daysBefore` days away. The scan may run any number of times a day
 * (schedule catch-up, retries, a manual trigger): a claim per playbook, account and renewal
 * date makes it enrol once per renewal.
 */
import type { AccountDoc } from '../lib/documents.js';
import type { EnrolmentResult } from './documents.js';
import { enrolOnce } from './claims.js';
import { enrol } from './enrolment.js';
import type { EngineDeps } from './engine-deps.js';
import type { AccountWithHealth } from './health-ingest.js';
import { healthView } from './views.js';

const dayMs = 86_400_000;

export interface RenewalScanResult {
  scannedAt: string;
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
  for (const playbook of await deps.catalog.live('renewal.approaching')) {
    const daysBefore = playbook.definition.trigger.daysBefore ?? 90;
    const cursor = deps.db
      .collection<AccountWithHealth>('accounts')
      .find({ renewalAt: { $gte: now, $lte: new Date(now.getTime() + daysBefore * dayMs) } })
      .sort({ _id: 1 });
    for await (const account of cursor) {
      result.considered++;
      const renewalDay = (account.renewalAt as Date).toISOString().slice(0, 10);
      const claimId = `renewal.approaching:${playbook.id}:${account._id}:${renewalDay}`;
      const health = healthView(account.health);
      const outcome = await enrolOnce(
        deps.db,
        {
          id: claimId,
          playbookId: playbook.id,
          accountId: account._id,
          final: ['started', 'already_running'],
        },
        () =>
          enrol(deps, {
            playbook,
            account: account as AccountDoc,
            health,
            previous: account.previousHealth ? healthView(account.previousHealth) : health,
            on: 'renewal.approaching',
            sourceKey: claimId,
          }),
        now,
      );
      result.counts[outcome.status] = (result.counts[outcome.status] ?? 0) + 1;
      result.enrolments.push({ ...outcome, accountId: account._id });
      opts.onProgress?.();
    }
  }
  return result;
}

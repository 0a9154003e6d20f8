/**
 * Once-only triggers. `account.created` fires once per account, `renewal.approaching` once per
 * renewal date, however often the API call is retried or the daily scan runs. The claim is
 * written after the enrolment was decided, so a crash in between only repeats the decision
 * (and the start, which the one-live-run id makes harmless), never loses it.
 */
import type { Db } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { EnrolmentResult, EnrolmentStatus } from '../../lib/documents.js';

export async function enrolOnce(
  db: Db,
  claim: { id: string; playbookId: string; accountId: string; final: EnrolmentStatus[] },
  decide: () => Promise<EnrolmentResult>,
  now: Date,
): Promise<EnrolmentResult> {
  const claims = collections(db).triggerClaims;
  const existing = await claims.findOne({ _id: claim.id });
  if (existing)
    return {
      ...existing.result,
      runId: existing.result.runId,
      status: 'already_enrolled',
      reason: `already handled on ${existing.claimedAt.toISOString()} (${existing.result.status})`,
    };
  const result = await decide();
  if (claim.final.includes(result.status)) {
    await claims.updateOne(
      { _id: claim.id },
      {
        $setOnInsert: {
          _id: claim.id,
          playbookId: claim.playbookId,
          accountId: claim.accountId,
          claimedAt: now,
          result,
        },
      },
      { upsert: true },
    );
  }
  return result;
}

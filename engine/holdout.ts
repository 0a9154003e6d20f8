/**
 * Holdout: a stable share of eligible accounts is enrolled as control. The draw is a hash of
 * account and playbook, not a random number, so an account stays in the same group across
 * re-enrolments, API instances and retries, and the share converges on the configured one.
 */
import { createHash } from 'node:crypto';

/** `"10%"` → 10; absent → 0. */
function holdoutPercent(holdout: string | undefined): number {
  if (!holdout) return 0;
  return Number(holdout.replace('%', ''));
}

/** A number in [0, 100) that depends only on the pair. */
export function holdoutDraw(accountId: string, playbookId: string): number {
  const digest = createHash('sha256').update(`${playbookId}\u0000${accountId}`).digest();
  return (digest.readUInt32BE(0) / 2 ** 32) * 100;
}

export function isControl(accountId: string, playbookId: string, holdout: string | undefined): boolean {
  const percent = holdoutPercent(holdout);
  return percent > 0 && holdoutDraw(accountId, playbookId) < percent;
}

/**
 * `renewal.approaching`: the account's `renewalAt` is at most `daysBefore` days away (90 when
 * not given). The daily scan reads the accounts renewing within the widest window of the
 * listening playbooks (`renewalWindow`) and hands each here; every playbook takes those within
 * its own. Once per playbook, account and renewal date, however often the scan runs (schedule
 * catch-up, retries, a manual trigger).
 */
import type { AccountDoc } from '../../lib/documents.js';
import { dayMs } from '../../language/durations.js';
import type { LivePlaybook } from '../playbook-catalog.js';
import { storedHealth, type TriggerKind } from './fire.js';

const daysBefore = (playbook: LivePlaybook) => playbook.definition.trigger.daysBefore ?? 90;

export interface RenewalApproaching {
  account: AccountDoc;
  renewalAt: Date;
  /** When the scan looked: every window counts from here. */
  scannedAt: Date;
}

/** The renewal dates the scan must read for these playbooks; null when none listens. */
export function renewalWindow(listening: LivePlaybook[], now: Date): { from: Date; to: Date } | null {
  if (listening.length === 0) return null;
  const widest = Math.max(...listening.map(daysBefore));
  return { from: now, to: new Date(now.getTime() + widest * dayMs) };
}

function claimId({ account, renewalAt }: RenewalApproaching, playbook: LivePlaybook): string {
  const renewalDay = renewalAt.toISOString().slice(0, 10);
  return `renewal.approaching:${playbook.id}:${account._id}:${renewalDay}`;
}

export const renewalApproachingTrigger: TriggerKind<'renewal.approaching', RenewalApproaching> = {
  on: 'renewal.approaching',
  accepts: ({ renewalAt, scannedAt }, playbook) => {
    const from = scannedAt.getTime();
    const at = renewalAt.getTime();
    return at >= from && at <= from + daysBefore(playbook) * dayMs;
  },
  firing: (fact, playbook) => ({
    account: fact.account,
    ...storedHealth(fact.account),
    sourceKey: claimId(fact, playbook),
  }),
  claim: (fact, playbook) => ({ id: claimId(fact, playbook), final: ['started', 'already_running'] }),
};

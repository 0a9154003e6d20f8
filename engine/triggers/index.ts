/**
 * Triggers: a fact arrived (an account was created, a health observation came in, a renewal is
 * near, an event was posted, a person enrols an account) → which playbooks enrol the account.
 * This folder is the one home of that step, one file per trigger kind: which of the listening
 * playbooks the fact concerns, the once-only claim if the kind has one, and what the trigger's
 * conditions see. `fire.ts` does the rest the same way for every kind; what happens next
 * (eligibility, cooldown, holdout, the start) is enrolment, engine/enrolment.ts.
 *
 * Callers store their data first, then hand the fact here: engine/health-ingest.ts,
 * engine/event-ingest.ts, engine/renewal-scan.ts, and engine/index.ts for `account.created` and
 * `manual`.
 *
 * Adding a trigger kind touches:
 *   1. language/schema.ts: the `TriggerOn` literal (and its parameter in `Trigger`, if any, with
 *      its rule in language/rules-playbook.ts and `npx tsx scripts/gen-schema.ts`), described
 *      under "Triggers" in docs/playbooks.md;
 *   2. this folder: a file with its `TriggerKind`, listed in `triggerKinds` below (the compiler
 *      refuses a `TriggerOn` missing there);
 *   3. its caller: the ingest, scan or route that learns the fact and calls `fireTrigger`.
 */
import type { TriggerOn } from '../../language/schema.js';
import type { EnrolmentResult } from '../../lib/documents.js';
import type { LivePlaybook } from '../playbook-catalog.js';
import { accountCreatedTrigger } from './account-created.js';
import { eventTrigger } from './event.js';
import { fire, listeningTo, type TriggerDeps, type TriggerKind } from './fire.js';
import { healthChangedTrigger } from './health-changed.js';
import { manualTrigger } from './manual.js';
import { renewalApproachingTrigger } from './renewal-approaching.js';

/** Every trigger kind of the language, by its `trigger.on`. */
export const triggerKinds = {
  'account.created': accountCreatedTrigger,
  'health.changed': healthChangedTrigger,
  'renewal.approaching': renewalApproachingTrigger,
  event: eventTrigger,
  manual: manualTrigger,
} satisfies { [On in TriggerOn]: TriggerKind<On, never> };

/** The kinds that fire the playbooks listening for them; `manual` names its one playbook. */
export type ListenedTrigger = Exclude<TriggerOn, 'manual'>;

/**
 * One fact: each live playbook listening for the kind that accepts the fact is enrolled, in
 * parallel. A batch of facts reads `listeningTo` once and passes it as `listening`.
 */
export async function fireTrigger<On extends ListenedTrigger, Fact>(
  deps: TriggerDeps,
  kind: TriggerKind<On, Fact>,
  fact: Fact,
  listening?: LivePlaybook[],
): Promise<EnrolmentResult[]> {
  return fire(deps, kind, fact, listening ?? (await listeningTo(deps, kind.on)));
}

export { fireAll, listeningTo, type TriggerDeps, type TriggerKind, type Firing } from './fire.js';
export { accountCreatedTrigger } from './account-created.js';
export { healthChangedTrigger, type HealthChange } from './health-changed.js';
export { renewalApproachingTrigger, renewalWindow, type RenewalApproaching } from './renewal-approaching.js';
export { eventTrigger, type AccountEventFact } from './event.js';
export { manualTrigger, enrollManually, type ManualEnrolment } from './manual.js';

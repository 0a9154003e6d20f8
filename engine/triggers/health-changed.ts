/**
 * `health.changed`: a health observation replaced the account's current one. The conditions see
 * the observation and the one it replaced, not what the account holds by the time they run. No
 * claim: the ingest keeps what an observation enrolled beside it and replays that on a retry.
 */
import type { AccountDoc } from '../../lib/documents.js';
import type { HealthView } from '../../language/context.js';
import type { TriggerKind } from './fire.js';

export interface HealthChange {
  account: AccountDoc;
  health: HealthView;
  previous: HealthView;
  /** The observation's id, recorded as the enrolment's source. */
  observationId: string;
}

export const healthChangedTrigger: TriggerKind<'health.changed', HealthChange> = {
  on: 'health.changed',
  // Without a `when`, health.changed means "the band changed"; with one, the condition decides.
  accepts: (change, playbook) =>
    playbook.definition.trigger.when !== undefined || change.health.band !== change.previous.band,
  firing: ({ account, health, previous, observationId }) => ({
    account,
    health,
    previous,
    sourceKey: observationId,
  }),
};

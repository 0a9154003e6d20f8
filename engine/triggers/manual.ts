/**
 * `manual`: a person enrols an account in a playbook they name (`POST /v1/playbooks/{id}/runs`),
 * whatever that playbook's own trigger. A person decided, so only the audience still applies.
 */
import { collections } from '../../lib/collections.js';
import type { AccountDoc, EnrolmentResult } from '../../lib/documents.js';
import { accountNotFound, playbookNotFound } from '../errors.js';
import { fire, storedHealth, type TriggerDeps, type TriggerKind } from './fire.js';

export interface ManualEnrolment {
  account: AccountDoc;
  /** Who enrolled the account, recorded as the enrolment's source. */
  actor?: string;
}

export const manualTrigger: TriggerKind<'manual', ManualEnrolment> = {
  on: 'manual',
  skipTriggerWhen: true,
  firing: ({ account, actor }) => ({
    account,
    ...storedHealth(account),
    sourceKey: actor ? `manual:${actor}` : 'manual',
  }),
};

/** The one playbook named, not the ones listening: unknown is an error, retired an answer. */
export async function enrollManually(
  deps: TriggerDeps,
  playbookId: string,
  accountId: string,
  actor?: string,
): Promise<EnrolmentResult> {
  const playbook = await deps.catalog.get(playbookId);
  if (playbook === 'unknown') throw playbookNotFound(playbookId);
  if (playbook === 'retired') {
    return {
      playbookId,
      playbookVersion: null,
      workflowId: '',
      runId: null,
      control: false,
      status: 'retired',
      reason: 'the playbook is retired',
    };
  }
  const account = await collections(deps.db).accounts.findOne({ _id: accountId });
  if (!account) throw accountNotFound(accountId);
  const [result] = await fire(deps, manualTrigger, { account, actor }, [playbook]);
  return result;
}

/**
 * Reads and writes of the account on behalf of a run: the current data decisions see, and the
 * `update` step's field change.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { collections } from '../lib/collections.js';
import type { AccountDoc } from '../lib/documents.js';
import { accountView, healthView, type AccountView, type HealthView } from '../language/context.js';
import type { ActivityDeps } from './deps.js';

export interface CurrentAccount {
  account: AccountView;
  health: HealthView;
}

export function createAccountDataActivities({ db }: ActivityDeps) {
  const { accounts } = collections(db);

  async function load(accountId: string): Promise<AccountDoc> {
    const account = await accounts.findOne({ _id: accountId });
    if (!account)
      throw ApplicationFailure.nonRetryable(`Account "${accountId}" does not exist.`, 'UnknownAccount');
    return account;
  }

  return {
    /** What branches decide on: the account and its health as stored now, not at enrolment. */
    async loadCurrentAccount({
      accountId,
      now,
    }: {
      accountId: string;
      now: string;
    }): Promise<CurrentAccount> {
      const account = await load(accountId);
      return { account: accountView(account, new Date(now)), health: healthView(account.health) };
    },

    /** Sets `lifecycle` or `attributes.<name>`; setting the same value twice is harmless. */
    async updateAccountField({
      accountId,
      field,
      value,
    }: {
      accountId: string;
      field: string;
      value: string | number | boolean;
    }): Promise<void> {
      if (!/^(lifecycle|attributes\.[a-zA-Z][a-zA-Z0-9_]{0,62})$/.test(field)) {
        throw ApplicationFailure.nonRetryable(
          `Field "${field}" cannot be updated by a playbook.`,
          'InvalidField',
        );
      }
      await load(accountId);
      await accounts.updateOne({ _id: accountId }, { $set: { [field]: value, updatedAt: new Date() } });
    },
  };
}

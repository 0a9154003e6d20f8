/**
 * `account.created`: a new account was added. Once per account and playbook, however often the
 * API call is retried; a not-eligible answer is final too (the account was created only once).
 */
import type { AccountDoc } from '../../lib/documents.js';
import { storedHealth, type TriggerKind } from './fire.js';

export const accountCreatedTrigger: TriggerKind<'account.created', AccountDoc> = {
  on: 'account.created',
  firing: (account) => ({ account, ...storedHealth(account), sourceKey: `account.created:${account._id}` }),
  claim: (account, playbook) => ({
    id: `account.created:${playbook.id}:${account._id}`,
    final: ['started', 'already_running', 'not_eligible'],
  }),
};

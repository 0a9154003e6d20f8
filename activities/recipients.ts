/**
 * Who an email step writes to and who the account's CSM is, read from MongoDB on behalf of a
 * step. The choice of contacts and what templates see are built in language/context.ts, the
 * same builders `retain preview` uses.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import { collections } from '../lib/collections.js';
import type { AccountDoc, Contact } from '../lib/documents.js';
import { csmFromOwner, isEmailAddress, selectRecipients, type CsmView } from '../language/context.js';

export function resolveRecipients(account: AccountDoc, to = 'primary'): Contact[] {
  const chosen = selectRecipients(account.contacts ?? [], to);
  for (const c of chosen) {
    if (!isEmailAddress(c.email))
      throw ApplicationFailure.nonRetryable(
        `Contact "${c.name}" has an invalid email address.`,
        'InvalidAddress',
      );
  }
  return chosen;
}

export async function loadAccount(db: Db, accountId: string): Promise<AccountDoc> {
  const account = await collections(db).accounts.findOne({ _id: accountId });
  if (!account)
    throw ApplicationFailure.nonRetryable(`Account "${accountId}" does not exist.`, 'UnknownAccount');
  return account;
}

/** The account's CSM: a user by id or email; an email with no user yet (imports, simulation) still reaches them. */
export async function loadCsm(db: Db, account: AccountDoc): Promise<CsmView> {
  const owner = account.csm ?? '';
  const user = owner
    ? await collections(db).users.findOne({ $or: [{ _id: owner }, { email: owner.toLowerCase() }] })
    : null;
  if (user) return { id: user._id, name: user.name, email: user.email };
  return csmFromOwner(owner);
}

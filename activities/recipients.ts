/**
 * Who an email step writes to, and what the template sees about the account, its CSM and the
 * run. `primary` is the contact whose role is `primary`, else the first contact.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from 'mongodb';
import type { AccountDoc, Contact } from '../lib/documents.js';
import type { UserDoc } from '../server/plugins/auth.js';
import type { TemplateContext } from '../language/templates.js';
import { accountView, healthView } from '../engine/views.js';

const addressPattern = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;

export function resolveRecipients(account: AccountDoc, to = 'primary'): Contact[] {
  const contacts = account.contacts ?? [];
  let chosen: Contact[];
  if (to === 'all') chosen = contacts;
  else if (to.startsWith('role:')) chosen = contacts.filter((c) => c.role === to.slice(5));
  else {
    const primary = contacts.find((c) => c.role === 'primary') ?? contacts[0];
    chosen = primary ? [primary] : [];
  }
  for (const c of chosen) {
    if (!addressPattern.test(c.email))
      throw ApplicationFailure.nonRetryable(
        `Contact "${c.name}" has an invalid email address.`,
        'InvalidAddress',
      );
  }
  return chosen;
}

export async function loadAccount(db: Db, accountId: string): Promise<AccountDoc> {
  const account = await db.collection<AccountDoc>('accounts').findOne({ _id: accountId });
  if (!account)
    throw ApplicationFailure.nonRetryable(`Account "${accountId}" does not exist.`, 'UnknownAccount');
  return account;
}

/** The account's CSM: a user by id or email; an email with no user yet (imports, simulation) still reaches them. */
export async function loadCsm(db: Db, account: AccountDoc): Promise<TemplateContext['csm']> {
  const owner = account.csm ?? '';
  const user = owner
    ? await db.collection<UserDoc>('users').findOne({ $or: [{ _id: owner }, { email: owner.toLowerCase() }] })
    : null;
  if (user) return { id: user._id, name: user.name, email: user.email };
  if (addressPattern.test(owner)) return { id: owner, name: owner.split('@')[0], email: owner };
  return { id: '', name: 'Your Customer Success team', email: '' };
}

export interface RunInfo {
  runId: string;
  playbookId: string;
  version: number;
  startedAt: string;
  daysSinceStart: number;
  control?: boolean;
}

export function templateContext(
  account: AccountDoc,
  contact: Contact,
  csm: TemplateContext['csm'],
  run: RunInfo,
  now: Date,
): Omit<TemplateContext, 'unsubscribeUrl'> {
  return {
    account: {
      ...accountView(account, now),
      startedAt: new Date(account.startedAt).toISOString(),
      renewalAt: account.renewalAt ? new Date(account.renewalAt).toISOString() : null,
    },
    contact: { email: contact.email, name: contact.name, role: contact.role },
    csm,
    health: healthView(account.health),
    run: {
      id: run.runId,
      playbookId: run.playbookId,
      version: run.version,
      daysSinceStart: run.daysSinceStart,
      control: run.control ?? false,
      startedAt: run.startedAt,
    },
  };
}

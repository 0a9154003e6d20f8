/**
 * Who may see an account: admins all of them, a CSM the accounts they own. Shared by every
 * route that reads an account or something hanging off one (runs, health).
 */
import type { Collection } from 'mongodb';
import type { AccountDoc } from '../../lib/documents.js';
import { forbidden, notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';

export function mayAccess(principal: Principal, account: Pick<AccountDoc, 'csm'>): boolean {
  return principal.role === 'admin' || principal.role === 'integration' || account.csm === principal.id;
}

export async function loadAccount(
  accounts: Collection<AccountDoc>,
  principal: Principal,
  id: string,
): Promise<AccountDoc> {
  const account = await accounts.findOne({ _id: id });
  if (!account) throw notFound('Account', id);
  if (!mayAccess(principal, account)) throw forbidden(`Account "${id}" is owned by another CSM.`);
  return account;
}

export function accountView(a: AccountDoc) {
  return {
    id: a._id,
    name: a.name,
    segment: a.segment,
    plan: a.plan,
    mrr: a.mrr,
    csm: a.csm,
    contacts: a.contacts,
    startedAt: a.startedAt.toISOString(),
    ...(a.renewalAt ? { renewalAt: a.renewalAt.toISOString() } : {}),
    lifecycle: a.lifecycle,
    attributes: a.attributes ?? {},
    ...(a.health
      ? {
          health: {
            score: a.health.score,
            band: a.health.band,
            observedAt: a.health.observedAt.toISOString(),
          },
        }
      : {}),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

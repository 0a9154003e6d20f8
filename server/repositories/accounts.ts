/**
 * Accounts, and who may see one: admins and integrations all of them, a CSM the accounts they
 * own. Every route that reads an account or something hanging off one (runs, health, events,
 * emails, the timeline) goes through `findAccountForPrincipal` or `accountIdsOwnedBy`.
 */
import type { Db, Filter, UpdateFilter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { AccountDoc, HealthState } from '../../lib/documents.js';
import { insertManyIfAbsent, isDuplicateKey } from '../../lib/mongo.js';
import { forbidden, notFound } from '../errors.js';
import type { Principal } from '../plugins/auth.js';
import { findPage, type PageRequest } from './pagination.js';

export function mayAccess(principal: Principal, account: Pick<AccountDoc, 'csm'>): boolean {
  return principal.role === 'admin' || principal.role === 'integration' || account.csm === principal.id;
}

export interface AccountListFilter {
  segment?: AccountDoc['segment'];
  band?: HealthState['band'];
  lifecycle?: string;
  csm?: string;
}

/** A change to an account; `null` removes the renewal date or an attribute. */
export interface AccountChanges {
  name?: string;
  segment?: AccountDoc['segment'];
  plan?: string;
  contacts?: AccountDoc['contacts'];
  lifecycle?: string;
  csm?: string;
  renewalAt?: Date | null;
  attributes?: Record<string, string | number | boolean | null>;
}

export function createAccountRepository(db: Db) {
  const { accounts } = collections(db);

  return {
    /** False when an account with this id exists. */
    async insertAccount(account: AccountDoc): Promise<boolean> {
      try {
        await accounts.insertOne(account);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    /**
     * Accounts of a history import, a thousand per insert; an account already there (a retried
     * batch writing its own accounts again, checked by the caller) is left as it is.
     */
    async insertImportedAccounts(docs: AccountDoc[]): Promise<void> {
      for (let i = 0; i < docs.length; i += 1000) await insertManyIfAbsent(accounts, docs.slice(i, i + 1000));
    },

    async accountExists(id: string): Promise<boolean> {
      return (await accounts.findOne({ _id: id }, { projection: { _id: 1 } })) !== null;
    },

    /** The history import that wrote an account (undefined: none), or null when there is no such account. */
    async findImportBatch(id: string): Promise<{ importBatch?: string } | null> {
      return accounts.findOne({ _id: id }, { projection: { _id: 1, importBatch: 1 } });
    },

    /** The account, if `principal` may see it: 404 when there is none, 403 when another CSM owns it. */
    async findAccountForPrincipal(principal: Principal, id: string): Promise<AccountDoc> {
      const account = await accounts.findOne({ _id: id });
      if (!account) throw notFound('Account', id);
      if (!mayAccess(principal, account)) throw forbidden(`Account "${id}" is owned by another CSM.`);
      return account;
    },

    /** The owning CSM of an account, or null when there is no such account. */
    findAccountOwner(id: string): Promise<Pick<AccountDoc, 'csm'> | null> {
      return accounts.findOne({ _id: id }, { projection: { csm: 1 } });
    },

    /** The ids of the accounts a CSM owns (the `csm` index). */
    async accountIdsOwnedBy(csm: string): Promise<string[]> {
      const own = await accounts.find({ csm }, { projection: { _id: 1 } }).toArray();
      return own.map((a) => a._id);
    },

    /** By id (the `_id` index; `csm` and `segment` filters have their own). */
    listAccounts(filter: AccountListFilter, page: PageRequest) {
      const query: Filter<AccountDoc> = {};
      if (filter.segment) query.segment = filter.segment;
      if (filter.band) query['health.band'] = filter.band;
      if (filter.lifecycle) query.lifecycle = filter.lifecycle;
      if (filter.csm) query.csm = filter.csm;
      return findPage(accounts, query, { _id: 1 }, page);
    },

    /** Applies `changes` and returns the account after them (null: it is gone). */
    updateAccount(id: string, changes: AccountChanges, now: Date): Promise<AccountDoc | null> {
      const set: Record<string, unknown> = { updatedAt: now };
      const unset: Record<string, ''> = {};
      for (const field of ['name', 'segment', 'plan', 'contacts', 'lifecycle', 'csm'] as const) {
        if (changes[field] !== undefined) set[field] = changes[field];
      }
      if (changes.renewalAt === null) unset.renewalAt = '';
      else if (changes.renewalAt !== undefined) set.renewalAt = changes.renewalAt;
      // Attribute keys are validated (no "$", no "."), so they are safe as update paths.
      for (const [key, value] of Object.entries(changes.attributes ?? {})) {
        if (value === null) unset[`attributes.${key}`] = '';
        else set[`attributes.${key}`] = value;
      }
      const update: UpdateFilter<AccountDoc> = { $set: set };
      if (Object.keys(unset).length > 0) update.$unset = unset;
      return accounts.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' });
    },
  };
}

export type AccountRepository = ReturnType<typeof createAccountRepository>;

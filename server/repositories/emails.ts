/** The email log and the suppression list the unsubscribe link writes. */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { EmailDoc, SuppressionDoc } from '../../lib/documents.js';
import { isDuplicateKey } from '../../lib/mongo.js';
import { findPage, type PageRequest } from './pagination.js';

export interface EmailListFilter {
  /** One account, or the accounts a CSM owns. */
  accountId?: string | string[];
}

export function createEmailRepository(db: Db) {
  const { emails, suppressions } = collections(db);

  return {
    /** Newest first. Index-served by `{ accountId, createdAt: -1 }` and, unscoped, `{ createdAt: -1 }`. */
    listEmails(filter: EmailListFilter, page: PageRequest) {
      const query: Filter<EmailDoc> = {};
      if (Array.isArray(filter.accountId)) query.accountId = { $in: filter.accountId };
      else if (filter.accountId) query.accountId = filter.accountId;
      return findPage(emails, query, { createdAt: -1, _id: 1 }, page);
    },

    /** Idempotent: a second click (or a mail client's prefetch) finds the suppression in place. */
    async suppress(suppression: SuppressionDoc): Promise<void> {
      const { _id, ...fields } = suppression;
      try {
        await suppressions.updateOne({ _id }, { $setOnInsert: fields }, { upsert: true });
      } catch (err) {
        // Two clicks at once: both upserts miss and one loses the insert race; the row exists.
        if (!isDuplicateKey(err)) throw err;
      }
    },
  };
}

export type EmailRepository = ReturnType<typeof createEmailRepository>;

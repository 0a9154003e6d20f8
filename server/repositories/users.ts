/** API users: created by admins, found by id or email, listed. */
import type { Db, Filter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import type { UserDoc } from '../../lib/documents.js';
import { isDuplicateKey } from '../../lib/mongo.js';
import { findPage, type PageRequest } from './pagination.js';

export function createUserRepository(db: Db) {
  const { users } = collections(db);

  /** A user by id or email (integrations know people by email; emails are stored lower-case). */
  async function findUserByIdOrEmail(ref: string): Promise<UserDoc | null> {
    return users.findOne({ $or: [{ _id: ref }, { email: ref.toLowerCase() }] });
  }

  return {
    findUserByIdOrEmail,

    /** A person who can own accounts and tasks (a CSM or an admin), by id or email; never an integration. */
    async findStaffByIdOrEmail(ref: string): Promise<UserDoc | null> {
      const user = await findUserByIdOrEmail(ref);
      return user && user.role !== 'integration' ? user : null;
    },

    /** False when the email is taken (unique index on `email`). */
    async insertUser(user: UserDoc): Promise<boolean> {
      try {
        await users.insertOne(user);
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    /** By id (the `_id` index). */
    listUsers(filter: { role?: UserDoc['role'] }, page: PageRequest) {
      const query: Filter<UserDoc> = filter.role ? { role: filter.role } : {};
      return findPage(users, query, { _id: 1 }, page);
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;

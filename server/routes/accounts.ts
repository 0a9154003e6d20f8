/**
 * Accounts: created by integrations (CRM, billing) or CS ops, read and edited by their CSM.
 * Creating one fires `account.created` (kickoff, onboarding) and feeds the KPI rollups.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Filter, UpdateFilter } from 'mongodb';
import { collections } from '../../lib/collections.js';
import { newAccountDoc, type AccountDoc } from '../../lib/documents.js';
import { isDuplicateKey } from '../../lib/mongo.js';
import type { ApiDeps } from '../app.js';
import { ApiError, conflict, forbidden } from '../errors.js';
import { errors, page, Params } from '../schemas/common.js';
import { Account, AccountListQuery, AccountPage, AccountPatch, NewAccount } from '../schemas/accounts.js';
import { accountView, loadAccount } from './account-access.js';

export async function accountRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, engine, kpis } = opts.deps;
  const { accounts, users } = collections(db);

  /** The owning CSM by id or email; integrations know CSMs by email. */
  async function resolveCsm(ref: string): Promise<string> {
    const user = await users.findOne({ $or: [{ _id: ref }, { email: ref.toLowerCase() }] });
    if (!user || user.role === 'integration')
      throw new ApiError(422, 'unknown_csm', `No CSM user has the id or email "${ref}".`);
    return user._id;
  }

  app.post(
    '/accounts',
    {
      config: { roles: ['admin', 'integration'], idempotent: true },
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (fires account.created)',
        body: NewAccount,
        response: { 201: Account, ...errors(403, 409, 422) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const account = newAccountDoc(
        { ...body, id: body.id ?? `acc_${randomUUID()}`, csm: await resolveCsm(body.csm) },
        new Date(),
      );
      try {
        await accounts.insertOne(account);
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict('account_exists', `Account "${account._id}" already exists.`);
        throw err;
      }
      await kpis.recordAccount(db, account);
      await engine.accountCreated(account);
      return reply.status(201).send(accountView(account));
    },
  );

  app.get(
    '/accounts',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['accounts'],
        summary: 'List accounts (a CSM sees their own)',
        querystring: AccountListQuery,
        response: { 200: AccountPage, ...errors(403, 422) },
      },
    },
    async (request) => {
      const { segment, band, csm, lifecycle, limit = 50, offset = 0 } = request.query;
      const filter: Filter<AccountDoc> = {};
      if (segment) filter.segment = segment;
      if (band) filter['health.band'] = band;
      if (lifecycle) filter.lifecycle = lifecycle;
      if (request.principal.role === 'csm') {
        if (csm && csm !== request.principal.id && csm.toLowerCase() !== request.principal.email)
          throw forbidden('A CSM lists only their own accounts.');
        filter.csm = request.principal.id;
      } else if (csm) {
        filter.csm = await resolveCsm(csm);
      }
      const [docs, total] = await Promise.all([
        accounts.find(filter).sort({ _id: 1 }).skip(offset).limit(limit).toArray(),
        accounts.countDocuments(filter),
      ]);
      return page(docs.map(accountView), total, limit, offset);
    },
  );

  app.get(
    '/accounts/:id',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['accounts'],
        summary: 'Read an account',
        params: Params,
        response: { 200: Account, ...errors(403, 404) },
      },
    },
    async (request) => accountView(await loadAccount(accounts, request.principal, request.params.id)),
  );

  app.patch(
    '/accounts/:id',
    {
      config: { roles: ['admin', 'csm'] },
      schema: {
        tags: ['accounts'],
        summary: 'Change an account',
        params: Params,
        body: AccountPatch,
        response: { 200: Account, ...errors(403, 404, 422) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const current = await loadAccount(accounts, request.principal, id);
      const patch = request.body;
      const set: Record<string, unknown> = { updatedAt: new Date() };
      const unset: Record<string, ''> = {};
      for (const field of ['name', 'segment', 'plan', 'contacts', 'lifecycle'] as const) {
        if (patch[field] !== undefined) set[field] = patch[field];
      }
      if (patch.csm !== undefined) {
        const csm = await resolveCsm(patch.csm);
        if (csm !== current.csm && request.principal.role !== 'admin')
          throw forbidden('Only CS operations (admin) reassign an account.');
        set.csm = csm;
      }
      if (patch.renewalAt === null) unset.renewalAt = '';
      else if (patch.renewalAt !== undefined) set.renewalAt = new Date(patch.renewalAt);
      // Attribute keys are validated (no "$", no "."), so they are safe as update paths.
      for (const [key, value] of Object.entries(patch.attributes ?? {})) {
        if (value === null) unset[`attributes.${key}`] = '';
        else set[`attributes.${key}`] = value;
      }
      const update: UpdateFilter<AccountDoc> = { $set: set };
      if (Object.keys(unset).length > 0) update.$unset = unset;
      const updated = await accounts.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' });
      return accountView(updated ?? current);
    },
  );
}

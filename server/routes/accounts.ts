/**
 * Accounts: created by integrations (CRM, billing) or CS ops, read and edited by their CSM.
 * Creating one fires `account.created` (kickoff, onboarding) and feeds the KPI rollups.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { newAccountDoc, type AccountDoc } from '../../lib/documents.js';
import type { ApiDeps } from '../app.js';
import { ApiError, conflict, forbidden } from '../errors.js';
import { mapPage, pageRequest } from '../repositories/pagination.js';
import { errors, Params } from '../schemas/common.js';
import { Account, AccountListQuery, AccountPage, AccountPatch, NewAccount } from '../schemas/accounts.js';

/** An account as the API answers it (not the account expressions and templates see: language/context.ts). */
export function accountResponse(a: AccountDoc) {
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

export async function accountRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, engine, kpis } = opts.deps;
  const { accounts, users } = app.repositories;

  /** The owning CSM by id or email; integrations know CSMs by email. */
  async function resolveCsm(ref: string): Promise<string> {
    const user = await users.findStaffByIdOrEmail(ref);
    if (!user) throw new ApiError(422, 'unknown_csm', `No CSM user has the id or email "${ref}".`);
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
      if (!(await accounts.insertAccount(account)))
        throw conflict('account_exists', `Account "${account._id}" already exists.`);
      await kpis.recordAccount(db, account);
      await engine.accountCreated(account);
      return reply.status(201).send(accountResponse(account));
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
      const { segment, band, csm, lifecycle } = request.query;
      let owner: string | undefined;
      if (request.principal.role === 'csm') {
        if (csm && csm !== request.principal.id && csm.toLowerCase() !== request.principal.email)
          throw forbidden('A CSM lists only their own accounts.');
        owner = request.principal.id;
      } else if (csm) {
        owner = await resolveCsm(csm);
      }
      const found = await accounts.listAccounts(
        {
          ...(segment ? { segment } : {}),
          ...(band ? { band } : {}),
          ...(lifecycle ? { lifecycle } : {}),
          ...(owner ? { csm: owner } : {}),
        },
        pageRequest(request.query),
      );
      return mapPage(found, accountResponse);
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
    async (request) =>
      accountResponse(await accounts.findAccountForPrincipal(request.principal, request.params.id)),
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
      const current = await accounts.findAccountForPrincipal(request.principal, id);
      const { renewalAt, csm: csmRef, ...rest } = request.body;
      let csm: string | undefined;
      if (csmRef !== undefined) {
        csm = await resolveCsm(csmRef);
        if (csm !== current.csm && request.principal.role !== 'admin')
          throw forbidden('Only CS operations (admin) reassign an account.');
      }
      const updated = await accounts.updateAccount(
        id,
        {
          ...rest,
          ...(csm !== undefined ? { csm } : {}),
          ...(renewalAt !== undefined ? { renewalAt: renewalAt === null ? null : new Date(renewalAt) } : {}),
        },
        new Date(),
      );
      return accountResponse(updated ?? current);
    },
  );
}

/**
 * Bringing years of history in: existing customers, their past KPI events and NPS responses,
 * in batches. Unlike POST /v1/accounts and /v1/accounts/:id/events, nothing here triggers a
 * playbook (a churn from 2023 must not start a rescue today); it only feeds the KPIs.
 *
 * The whole batch is checked before anything is written (unknown accounts, MRR events
 * without MRR, ids taken by other accounts), so a refused batch leaves no trace. Every item
 * gets an id derived from the batch key, so a batch retried with its Idempotency-Key after a
 * crash midway writes each account, event and response once.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { newAccountDoc, type AccountDoc } from '../../lib/documents.js';
import { batchItemId, importHistory } from '../../kpis/index.js';
import type { ApiDeps } from '../app.js';
import { ApiError, conflict } from '../errors.js';
import { errors } from '../schemas/common.js';
import { mrrEventTypes } from '../schemas/events.js';
import { HistoryImportInput, HistoryImportResult } from '../schemas/history.js';

const listed = (ids: string[]) =>
  ids
    .slice(0, 10)
    .map((id) => `"${id}"`)
    .join(', ') + (ids.length > 10 ? ` and ${ids.length - 10} more` : '');

async function inParallel<T, R>(items: T[], fn: (item: T) => Promise<R>, width = 32): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

export async function historyImportRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = opts.deps;
  const { accounts, users } = app.repositories;

  app.post(
    '/history',
    {
      config: { roles: ['admin', 'integration'], idempotent: true },
      schema: {
        tags: ['kpis'],
        summary:
          'Import history (existing accounts, past events, NPS responses) for KPIs; triggers no playbook',
        body: HistoryImportInput,
        response: { 201: HistoryImportResult, ...errors(403, 409, 422) },
      },
    },
    async (request, reply) => {
      const batch = request.idempotencyKey
        ? `${request.principal.id}:${request.idempotencyKey}`
        : randomUUID();
      const { accounts: newAccounts = [], events = [], npsResponses = [] } = request.body;

      const missingMrr = events.findIndex((e) => mrrEventTypes.includes(e.type) && e.mrr === undefined);
      if (missingMrr >= 0)
        throw new ApiError(
          422,
          'mrr_required',
          `events[${missingMrr}] is a ${events[missingMrr].type} and carries no "mrr" (the account's new total MRR).`,
        );
      const inBatch = new Set<string>();
      for (const a of newAccounts) {
        if (inBatch.has(a.id))
          throw new ApiError(422, 'duplicate_account', `Account "${a.id}" appears twice in the batch.`);
        inBatch.add(a.id);
      }

      // Accounts of the batch that exist: refused, unless written by this very batch before.
      const ids = [...inBatch];
      const found = await inParallel(ids, (id) => accounts.findImportBatch(id));
      const taken = ids.filter((_, i) => found[i] && found[i].importBatch !== batch);
      if (taken.length) throw conflict('account_exists', `These accounts exist already: ${listed(taken)}.`);
      const referenced = [...new Set([...events, ...npsResponses].map((x) => x.accountId))].filter(
        (id) => !inBatch.has(id),
      );
      const known = await inParallel(referenced, (id) => accounts.accountExists(id));
      const unknown = referenced.filter((_, i) => !known[i]);
      if (unknown.length)
        throw new ApiError(
          422,
          'unknown_accounts',
          `No account has these ids (import the accounts first, or in the same batch): ${listed(unknown)}.`,
        );

      const csmIds = new Map<string, string>();
      for (const ref of new Set(newAccounts.map((a) => a.csm))) {
        const user = await users.findStaffByIdOrEmail(ref);
        if (!user) throw new ApiError(422, 'unknown_csm', `No CSM user has the id or email "${ref}".`);
        csmIds.set(ref, user._id);
      }

      const now = new Date();
      const docs: AccountDoc[] = newAccounts.map((a) => ({
        ...newAccountDoc({ ...a, csm: csmIds.get(a.csm)! }, now),
        importBatch: batch,
      }));
      // Only the batch's own accounts can collide here (checked above): a retry.
      await accounts.insertImportedAccounts(docs);
      await importHistory(db, {
        accounts: docs,
        events: events.map((e, i) => ({
          id: batchItemId(batch, 'event', i),
          accountId: e.accountId,
          type: e.type,
          occurredAt: new Date(e.occurredAt),
          ...(e.mrr !== undefined ? { mrr: e.mrr } : {}),
          ...(e.product ? { product: e.product } : {}),
        })),
        nps: npsResponses.map((r, i) => ({
          id: batchItemId(batch, 'nps', i),
          accountId: r.accountId,
          score: r.score,
          respondedAt: new Date(r.respondedAt),
        })),
      });
      return reply.status(201).send({
        batch: request.idempotencyKey ?? batch,
        accounts: docs.length,
        events: events.length,
        npsResponses: npsResponses.length,
      });
    },
  );
}

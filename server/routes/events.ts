/**
 * Account events from billing, CRM and product analytics: the KPI inputs of docs/kpis.md
 * (churned, upsell, …) and any other name, which `event` triggers and `waitFor` steps use.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../app.js';
import { ApiError } from '../errors.js';
import { errors, Params } from '../schemas/common.js';
import {
  AccountEventBatch,
  AccountEventBatchResult,
  AccountEventInput,
  AccountEventResult,
  mrrEventTypes,
} from '../schemas/events.js';
import { batchAnswer } from './batch.js';

export async function eventRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, engine, kpis } = opts.deps;
  const { accounts } = app.repositories;

  /** The event as the engine stores it: MRR and product travel in its data. */
  const eventOf = (body: AccountEventInput, idempotencyKey: string | undefined) => ({
    type: body.type,
    occurredAt: new Date(body.occurredAt),
    data: {
      ...body.data,
      ...(body.mrr !== undefined ? { mrr: body.mrr } : {}),
      ...(body.product !== undefined ? { product: body.product } : {}),
    },
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  const kpiEventOf = (accountId: string, body: AccountEventInput, id: string) => ({
    id,
    accountId,
    type: body.type,
    occurredAt: new Date(body.occurredAt),
    ...(body.mrr !== undefined ? { mrr: body.mrr } : {}),
    ...(body.product !== undefined ? { product: body.product } : {}),
  });
  const mrrMissing = (body: AccountEventInput) =>
    mrrEventTypes.includes(body.type) && body.mrr === undefined
      ? new ApiError(
          422,
          'mrr_required',
          `A ${body.type} event carries the account's new total MRR in "mrr".`,
        )
      : null;

  app.post(
    '/accounts/:id/events',
    {
      config: { roles: ['admin', 'integration'], idempotent: true },
      schema: {
        tags: ['events'],
        summary: 'Record an account event (churned, upsell, renewed, … or a custom name)',
        params: Params,
        body: AccountEventInput,
        response: { 201: AccountEventResult, ...errors(403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const accountId = request.params.id;
      const missing = mrrMissing(request.body);
      if (missing) throw missing;
      await accounts.findAccountForPrincipal(request.principal, accountId);
      const result = await engine.ingestEvent(accountId, eventOf(request.body, request.idempotencyKey));
      await kpis.recordAccountEvents(db, [kpiEventOf(accountId, request.body, result.eventId)]);
      return reply.status(201).send({
        id: result.eventId,
        accountId,
        type: request.body.type,
        occurredAt: new Date(request.body.occurredAt).toISOString(),
        enrolments: result.enrolments,
      });
    },
  );

  app.post(
    '/events',
    {
      config: { roles: ['admin', 'integration'], idempotent: true },
      bodyLimit: 1024 * 1024,
      schema: {
        tags: ['events'],
        summary: 'Record up to 1,000 account events of any accounts; answers per item',
        body: AccountEventBatch,
        response: { 200: AccountEventBatchResult, ...errors(403, 409) },
      },
    },
    async (request) => {
      const items = request.body.items;
      const key = request.idempotencyKey;
      const refused = new Map(items.map((item, index) => [index, mrrMissing(item)] as const));
      const accepted = items.map((_, index) => index).filter((index) => !refused.get(index));
      const position = new Map(accepted.map((index, i) => [index, i]));
      const answer = await batchAnswer(
        request,
        accepted.map((index) => items[index].accountId),
        () =>
          engine.ingestEventBatch(
            accepted.map((index) => {
              const { accountId, ...body } = items[index];
              // Per-item keys: a retried batch finds each event it recorded, and records the rest.
              return { accountId, ...eventOf(body, key ? `${key}#${index}` : undefined) };
            }),
          ),
        (result, i) => ({
          index: accepted[i],
          accountId: items[accepted[i]].accountId,
          status: 'recorded' as const,
          id: result.eventId,
          type: result.event.type,
          occurredAt: result.event.occurredAt.toISOString(),
          enrolments: result.enrolments,
        }),
      );
      const stored = answer.results.flatMap((r) =>
        'id' in r && r.id ? [r as { index: number; id: string }] : [],
      );
      // Recorded for the KPIs once stored: a retry folds the same events again, harmlessly.
      await kpis.recordAccountEvents(
        db,
        stored.map(({ index, id }) => kpiEventOf(items[index].accountId, items[index], id)),
      );
      const results = items.map((item, index) => {
        const error = refused.get(index);
        if (error)
          return {
            index,
            accountId: item.accountId,
            status: 'failed' as const,
            error: { code: error.code, message: error.message },
          };
        const r = answer.results[position.get(index)!];
        return { ...r, index };
      });
      const failed = results.filter((r) => r.status === 'failed').length;
      return { recorded: results.length - failed, failed, results };
    },
  );
}

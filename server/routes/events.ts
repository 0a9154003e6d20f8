/**
 * Account events from billing, CRM and product analytics: the KPI inputs of docs/kpis.md
 * (churned, upsell, …) and any other name, which `event` triggers and `waitFor` steps use.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../app.js';
import { ApiError } from '../errors.js';
import { errors, Params } from '../schemas/common.js';
import { AccountEventInput, AccountEventResult, mrrEventTypes } from '../schemas/events.js';

export async function eventRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, engine, kpis } = opts.deps;
  const { accounts } = app.repositories;

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
      const { type, mrr, product, data } = request.body;
      if (mrrEventTypes.includes(type) && mrr === undefined) {
        throw new ApiError(
          422,
          'mrr_required',
          `A ${type} event carries the account's new total MRR in "mrr".`,
        );
      }
      await accounts.findAccountForPrincipal(request.principal, accountId);
      const occurredAt = new Date(request.body.occurredAt);
      const eventData = {
        ...data,
        ...(mrr !== undefined ? { mrr } : {}),
        ...(product !== undefined ? { product } : {}),
      };
      const result = await engine.ingestEvent(accountId, {
        type,
        occurredAt,
        data: eventData,
        ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      });
      await kpis.recordAccountEvent(db, {
        id: result.eventId,
        accountId,
        type,
        occurredAt,
        ...(mrr !== undefined ? { mrr } : {}),
        ...(product !== undefined ? { product } : {}),
      });
      return reply.status(201).send({
        id: result.eventId,
        accountId,
        type,
        occurredAt: occurredAt.toISOString(),
        enrolments: result.enrolments,
      });
    },
  );
}

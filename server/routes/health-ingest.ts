/**
 * Health ingest, single and batch. A change of band is the main playbook trigger, so the
 * answer says which band the account is in now, which it came from, and what it enrolled. A
 * batch is processed as a set (engine/health-ingest.ts): its commands do not grow with its size.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../app.js';
import type { HealthIngestResult } from '../../engine/health-ingest.js';
import { errors, Params } from '../schemas/common.js';
import { HealthBatch, HealthBatchResult, HealthInput, HealthResult } from '../schemas/health.js';
import { batchAnswer } from './batch.js';

export async function healthIngestRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { engine } = opts.deps;
  const { accounts } = app.repositories;

  const observation = (accountId: string, input: HealthInput, idempotencyKey: string | undefined) => ({
    accountId,
    score: input.score,
    ...(input.components ? { components: input.components } : {}),
    ...(input.observedAt ? { observedAt: new Date(input.observedAt) } : {}),
    ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  const answer = (accountId: string, score: number, result: HealthIngestResult) => ({
    accountId,
    score,
    band: result.band,
    previousBand: result.previousBand,
    enrolments: result.enrolments,
  });

  app.post(
    '/accounts/:id/health',
    {
      config: { roles: ['admin', 'integration'], idempotent: true },
      schema: {
        tags: ['health'],
        summary: 'Record a health score for an account',
        params: Params,
        body: HealthInput,
        response: { 201: HealthResult, ...errors(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const accountId = request.params.id;
      await accounts.findAccountForPrincipal(request.principal, accountId);
      const result = await engine.ingestHealth(observation(accountId, request.body, request.idempotencyKey));
      return reply.status(201).send(answer(accountId, request.body.score, result));
    },
  );

  app.post(
    '/health',
    {
      config: { roles: ['admin', 'integration'], idempotent: true },
      bodyLimit: 1024 * 1024,
      schema: {
        tags: ['health'],
        summary: 'Record up to 1,000 health scores; answers per item',
        body: HealthBatch,
        response: { 200: HealthBatchResult, ...errors(403, 409) },
      },
    },
    async (request) => {
      const items = request.body.items;
      const key = request.idempotencyKey;
      return batchAnswer(
        request,
        items.map((item) => item.accountId),
        () =>
          engine.ingestHealthBatch(
            items.map(({ accountId, ...input }, index) =>
              // Per-item keys: a retried batch finds each item it recorded, and records the rest.
              observation(accountId, input, key ? `${key}#${index}` : undefined),
            ),
          ),
        (result, index) => ({
          index,
          status: 'recorded' as const,
          ...answer(items[index].accountId, items[index].score, result),
        }),
      );
    },
  );
}

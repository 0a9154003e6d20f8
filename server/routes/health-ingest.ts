/**
 * Health ingest, single and batch. A change of band is the main playbook trigger, so the
 * answer says which band the account is in now, which it came from, and what it enrolled.
 */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import type { ApiDeps } from '../app.js';
import { EngineError } from '../../engine/errors.js';
import { ApiError } from '../errors.js';
import { errors, Params } from '../schemas/common.js';
import {
  HealthBatch,
  type HealthBatchItemResult,
  HealthBatchResult,
  HealthInput,
  HealthResult,
} from '../schemas/health.js';

/** Accounts of a batch processed at once; one account's items always run in order. */
const batchConcurrency = 8;

export async function healthIngestRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { engine } = opts.deps;
  const { accounts } = app.repositories;

  async function ingest(accountId: string, input: HealthInput, idempotencyKey: string | undefined) {
    const result = await engine.ingestHealth({
      accountId,
      score: input.score,
      ...(input.components ? { components: input.components } : {}),
      ...(input.observedAt ? { observedAt: new Date(input.observedAt) } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    return {
      accountId,
      score: input.score,
      band: result.band,
      previousBand: result.previousBand,
      enrolments: result.enrolments,
    };
  }

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
      await accounts.findAccountForPrincipal(request.principal, request.params.id);
      return reply.status(201).send(await ingest(request.params.id, request.body, request.idempotencyKey));
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
      const byAccount = new Map<string, number[]>();
      items.forEach((item, index) =>
        byAccount.set(item.accountId, [...(byAccount.get(item.accountId) ?? []), index]),
      );
      type Result = Static<typeof HealthBatchItemResult>;
      const results: Result[] = new Array(items.length);
      const queue = [...byAccount.entries()];
      const key = request.idempotencyKey;

      async function drain() {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const [accountId, indexes] = next;
          for (const index of indexes) {
            const { accountId: _, ...input } = items[index];
            try {
              // An unknown account fails in the ingest before anything is written (404 not_found).
              results[index] = {
                index,
                status: 'recorded',
                ...(await ingest(accountId, input, key ? `${key}#${index}` : undefined)),
              };
            } catch (err) {
              const known = err instanceof ApiError || err instanceof EngineError;
              if (!known) request.log.error({ err, accountId }, 'health batch item failed');
              const error = known
                ? { code: err.code, message: err.message }
                : { code: 'internal', message: 'This item could not be recorded; retry it.' };
              results[index] = { index, accountId, status: 'failed', error };
            }
          }
        }
      }
      await Promise.all(Array.from({ length: Math.min(batchConcurrency, queue.length) }, drain));
      const recorded = results.filter((r) => r.status === 'recorded').length;
      // Items that failed for a passing reason (the database away) are retried with the same
      // key; the recorded ones are then found by their per-item keys, not recorded twice.
      if (results.some((r) => r.status === 'failed' && r.error?.code === 'internal'))
        request.idempotencyIncomplete = true;
      return { recorded, failed: results.length - recorded, results };
    },
  );
}

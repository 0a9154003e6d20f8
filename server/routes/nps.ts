/** NPS survey responses: a KPI input (docs/kpis.md) and a signal CSMs read on the account. */
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiDeps } from '../app.js';
import { errors } from '../schemas/common.js';
import { NpsInput, NpsResult } from '../schemas/nps.js';

function category(score: number) {
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

export async function npsRoutes(parent: FastifyInstance, opts: { deps: ApiDeps }) {
  const app = parent.withTypeProvider<TypeBoxTypeProvider>();
  const { db, kpis } = opts.deps;
  const { accounts } = app.repositories;

  app.post(
    '/nps',
    {
      config: { roles: ['admin', 'integration'], idempotent: true },
      schema: {
        tags: ['nps'],
        summary: 'Record an NPS survey response',
        body: NpsInput,
        response: { 201: NpsResult, ...errors(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { accountId, score, contactEmail, comment } = request.body;
      await accounts.findAccountForPrincipal(request.principal, accountId);
      const respondedAt = new Date(request.body.respondedAt);
      const recorded = await kpis.recordNps(db, {
        accountId,
        score,
        respondedAt,
        ...(contactEmail ? { contactEmail: contactEmail.toLowerCase() } : {}),
        ...(comment ? { comment } : {}),
        ...(request.idempotencyKey ? { idempotencyKey: request.idempotencyKey } : {}),
      });
      return reply.status(201).send({
        id: recorded.id,
        accountId,
        score,
        category: category(score),
        respondedAt: respondedAt.toISOString(),
      });
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const Status = Type.Object({
  status: Type.String(),
  checks: Type.Optional(Type.Record(Type.String(), Type.Boolean())),
});

export interface ReadinessChecks {
  mongodb: () => Promise<boolean>;
  temporal: () => Promise<boolean>;
}

/** Liveness says the process runs; readiness says it can do its job (MongoDB and Temporal answer). */
export async function healthRoutes(app: FastifyInstance, opts: { checks: ReadinessChecks }) {
  app.get('/healthz', { schema: { hide: true, response: { 200: Status } } }, async () => ({ status: 'ok' }));
  app.get(
    '/readyz',
    { schema: { hide: true, response: { 200: Status, 503: Status } } },
    async (_req, reply) => {
      const [mongodb, temporal] = await Promise.all([opts.checks.mongodb(), opts.checks.temporal()]);
      const ready = mongodb && temporal;
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks: { mongodb, temporal } });
    },
  );
}

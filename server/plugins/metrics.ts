import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { metrics } from '../../lib/metrics.js';

/**
 * Counts and times every answer by route pattern (`/v1/tasks/:id/complete`, never the raw URL,
 * so ids do not multiply the series); an unrouted request counts as `unmatched`.
 */
export default fp(async function httpMetrics(app: FastifyInstance) {
  app.addHook('onResponse', async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: String(reply.statusCode),
    };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });
});

import type { FastifyInstance } from 'fastify';
import type { Db } from 'mongodb';
import type { Config } from '../../lib/config.js';
import { registry } from '../../lib/metrics.js';
import auth from '../plugins/auth.js';

/**
 * `GET /metrics`, Prometheus text, outside /v1 where scrapers look for it, for admins only: the
 * same bearer tokens as the API (ADMIN_TOKEN or an admin user's token), checked by the same plugin.
 */
export async function metricsRoutes(app: FastifyInstance, opts: { db: Db; config: Config }) {
  await app.register(auth, {
    db: opts.db,
    adminToken: opts.config.adminToken,
    tokenCacheSeconds: opts.config.tokenCacheSeconds,
  });
  app.get('/metrics', { config: { roles: ['admin'] }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}

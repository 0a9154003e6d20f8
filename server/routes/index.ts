import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ApiDeps } from '../app.js';
import auth from '../plugins/auth.js';
import idempotency from '../plugins/idempotency.js';
import repositories from '../plugins/repositories.js';
import { accountRoutes } from './accounts.js';
import { eventRoutes } from './events.js';
import { healthIngestRoutes } from './health-ingest.js';
import { npsRoutes } from './nps.js';
import { playbookRoutes } from './playbooks.js';
import { runRoutes } from './runs.js';
import { taskRoutes } from './tasks.js';
import { kpiRoutes } from './kpis.js';
import { historyImportRoutes } from './history-import.js';
import { emailRoutes } from './emails.js';
import { timelineRoutes } from './timeline.js';
import { userRoutes } from './users.js';

/** Every /v1 route: authentication first (routes opt out with config.public), then one plugin per resource. */
export async function apiRoutes(app: FastifyInstance, opts: { deps: ApiDeps }) {
  const { deps } = opts;
  // A route that takes no query parameters refuses them, as a route with a query schema refuses
  // unknown ones: a misspelt filter must not silently return everything.
  app.addHook('onRoute', (route) => {
    if (route.schema?.querystring || route.method === 'HEAD') return;
    route.schema = { ...route.schema, querystring: Type.Object({}, { additionalProperties: false }) };
  });
  await app.register(auth, {
    db: deps.db,
    adminToken: deps.config.adminToken,
    tokenCacheSeconds: deps.config.tokenCacheSeconds,
  });
  await app.register(idempotency, { db: deps.db });
  await app.register(repositories, { db: deps.db });
  // Resource plugins (each helper adds its own line below):
  await app.register(userRoutes);
  await app.register(accountRoutes, { deps });
  await app.register(healthIngestRoutes, { deps });
  await app.register(eventRoutes, { deps });
  await app.register(npsRoutes, { deps });
  await app.register(playbookRoutes, { deps });
  await app.register(runRoutes, { deps });
  await app.register(taskRoutes, { deps });
  await app.register(kpiRoutes, { deps });
  await app.register(historyImportRoutes, { deps });
  await app.register(emailRoutes, { deps });
  await app.register(timelineRoutes);
}

import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import auth from '../plugins/auth.js';

/** Every /v1 route: authentication first (routes opt out with config.public), then one plugin per resource. */
export async function apiRoutes(app: FastifyInstance, opts: { deps: AppDeps }) {
  const { deps } = opts;
  await app.register(auth, { db: deps.db, adminToken: deps.config.adminToken });
  // Resource plugins (each helper adds its own line below):
}

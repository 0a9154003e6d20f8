import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';

/** Every /v1 route. Auth, then one plugin per resource. */
export async function apiRoutes(_app: FastifyInstance, _opts: { deps: AppDeps }) {
  // Resource routes are registered here as they are built.
}

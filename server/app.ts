/**
 * The API as a Fastify application, separate from the process that listens (server/main.ts),
 * so tests build it and call `app.inject()` or listen on port 0.
 */
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Db } from 'mongodb';
import type { Client } from '@temporalio/client';
import type { Config } from '../lib/config.js';
import { pingMongo } from '../lib/mongo.js';
import errorHandler from './plugins/error-handler.js';
import platform from './plugins/platform.js';
import { healthRoutes } from './routes/health.js';
import { apiRoutes } from './routes/index.js';

export interface AppDeps {
  config: Config;
  db: Db;
  temporal: Client;
}

export async function pingTemporal(temporal: Client): Promise<boolean> {
  try {
    await temporal.connection.withDeadline(Date.now() + 3_000, () => temporal.connection.workflowService.getSystemInfo({}));
    return true;
  } catch {
    return false;
  }
}

export async function buildApp(deps: AppDeps, options: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: 5 * 1024 * 1024,
    // Unknown fields are rejected by the schemas (additionalProperties: false), never stripped silently.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    ...options,
  }).withTypeProvider<TypeBoxTypeProvider>();

  await app.register(errorHandler);
  await app.register(platform);
  await app.register(healthRoutes, {
    checks: { mongodb: () => pingMongo(deps.db), temporal: () => pingTemporal(deps.temporal) },
  });
  await app.register(apiRoutes, { prefix: '/v1', deps });
  return app;
}

import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ErrorBody } from '../errors.js';

export interface PlatformOptions {
  /** Requests per minute per client; generous by default, ingest batches are big anyway. */
  rateLimitPerMinute?: number;
}

/** Cross-cutting HTTP concerns: security headers, rate limiting, OpenAPI and its UI at /docs. */
export default fp(async function platform(app: FastifyInstance, opts: PlatformOptions) {
  await app.register(helmet, {
    // The docs UI needs inline scripts/styles; everything else is JSON.
    contentSecurityPolicy: false,
  });
  await app.register(rateLimit, {
    max: opts.rateLimitPerMinute ?? 6000,
    timeWindow: '1 minute',
    keyGenerator: (req) => req.headers.authorization ?? req.ip,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Retain API',
        version: '1.0.0',
        description: 'Customer-success playbooks as code, run durably on Temporal.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.addSchema(ErrorBody);
});

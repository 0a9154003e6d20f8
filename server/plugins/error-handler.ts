import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance } from 'fastify';
import { EngineError } from '../../engine/errors.js';
import { isDatabaseUnavailable } from '../../lib/mongo.js';
import { ApiError, errorBody } from '../errors.js';

/** Fastify's own error codes mapped to ours, so clients see one vocabulary. */
const fastifyCodes: Record<string, [number, string, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'This content type is not accepted here.'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'body_too_large', 'The request body is too large.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_body', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_body', 'Content-Length does not match the body.'],
};

export default fp(async function errorHandler(app: FastifyInstance) {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError || err instanceof EngineError) {
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, err.details));
    }
    if (err.validation) {
      const details = err.validation.map((v) => ({
        path: `${err.validationContext ?? ''}${v.instancePath}`,
        message: v.message,
        params: v.params,
      }));
      return reply
        .status(400)
        .send(
          errorBody(
            'validation_failed',
            `The request ${err.validationContext ?? 'input'} is invalid: ${details[0]?.path || '/'} ${details[0]?.message ?? ''}`.trim(),
            details,
          ),
        );
    }
    const known = err.code ? fastifyCodes[err.code] : undefined;
    if (known) return reply.status(known[0]).send(errorBody(known[1], known[2]));
    if (err instanceof SyntaxError && err.statusCode === 400)
      return reply.status(400).send(errorBody('invalid_json', 'The body is not valid JSON.'));
    if (err.statusCode === 429) return reply.status(429).send(errorBody('rate_limited', err.message));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.status(err.statusCode).send(errorBody('bad_request', err.message));
    }
    if (isDatabaseUnavailable(err)) {
      request.log.warn({ err }, 'database unavailable');
      return reply
        .status(503)
        .header('retry-after', '1')
        .send(
          errorBody(
            'database_unavailable',
            'The database is busy or unreachable right now; send the request again in a moment.',
          ),
        );
    }
    request.log.error({ err }, 'unhandled error');
    return reply
      .status(500)
      .send(errorBody('internal', 'Something went wrong on our side; it has been logged.'));
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(errorBody('route_not_found', `No route ${request.method} ${request.url.split('?')[0]}.`));
  });
});

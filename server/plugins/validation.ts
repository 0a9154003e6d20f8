/**
 * Request validation: bodies are validated strictly (no type coercion, so `10` stays a number
 * and `"10"` stays text in free attribute maps), while params and query strings, which are
 * always text on the wire, are coerced to the types their schemas declare.
 */
import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchema, FastifySchemaCompiler } from 'fastify';

const common: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: false };

function ajv(options: Options): Ajv {
  const instance = new Ajv({ ...common, ...options });
  addFormats.default(instance);
  return instance;
}

export function createValidatorCompiler(): FastifySchemaCompiler<FastifySchema> {
  const strictBodies = ajv({ coerceTypes: false });
  const coercing = ajv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strictBodies : coercing).compile(schema as object);
}

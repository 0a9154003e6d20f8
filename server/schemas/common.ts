/**
 * Building blocks shared by every resource schema: ids, free attribute maps, timestamps,
 * pagination and error answers. The same TypeBox schemas validate requests, serialise
 * responses and generate the OpenAPI document, so they are written once, here.
 *
 * Injection guard: every object is closed (additionalProperties: false) and free maps only
 * accept keys that cannot be MongoDB operators or paths (no leading `$`, no `.`), with
 * primitive values, so nothing a client sends can become a query operator.
 */
import { Type, type Static, type TSchema } from 'typebox';
import { type ErrorBody as ErrorBodySchema } from '../errors.js';

export const closed = { additionalProperties: false } as const;

/** External ids chosen by callers (accounts) or by us (users): no `/`, no `..`, no `$`. */
export const Id = Type.String({
  pattern: '^(?!.*\\.\\.)[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$',
  description: 'An id: letters, digits and _ . : @ - (max 128, starting with a letter or digit).',
});

/** Playbook ids follow the playbook language's identifier rule. */
export const PlaybookId = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,62}$',
  description: 'A playbook id, e.g. low-usage-rescue.',
});

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const DateTime = Type.String({
  format: 'date-time',
  description: 'ISO 8601 date-time, e.g. 2025-01-31T09:00:00Z.',
});
/** The playbook language's own (language/schema.ts): one list of segments. */
export { Segment } from '../../language/schema.js';
export const HealthBand = Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')]);
export const Role = Type.Union([Type.Literal('admin'), Type.Literal('csm'), Type.Literal('integration')]);

/** A key of a free map: never an operator (`$…`) nor a path (`a.b`). */
export const MapKey = '^[A-Za-z_][A-Za-z0-9_-]{0,63}$';
export const Primitive = Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]);

export const Attributes = Type.Record(Type.String({ pattern: MapKey }), Primitive, {
  ...closed,
  maxProperties: 100,
  description: 'Free account data (primitive values; keys without "$" or ".").',
});
export type Attributes = Static<typeof Attributes>;

export const NumericMap = Type.Record(Type.String({ pattern: MapKey }), Type.Number(), {
  ...closed,
  maxProperties: 50,
});

export const Params = Type.Object({ id: Id }, closed);
export const PlaybookParams = Type.Object({ id: PlaybookId }, closed);

/** limit/offset pagination: the same query and answer shape on every list endpoint (server/repositories/pagination.ts). */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
};

export function Page<T extends TSchema>(item: T) {
  return Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ description: 'Matching items in all pages.' }),
      limit: Type.Integer(),
      offset: Type.Integer(),
    },
    closed,
  );
}

/** Error answers, referenced from the shared `ErrorBody` schema (registered by the platform plugin). */
export const ErrorRef = Type.Unsafe<Static<typeof ErrorBodySchema>>({ $ref: 'ErrorBody#' });

/** Response schemas for the error statuses a route can answer. */
export function errors(...statuses: number[]): Record<number, typeof ErrorRef> {
  return Object.fromEntries([400, 401, ...statuses].map((s) => [s, ErrorRef]));
}

import { Type, type Static } from 'typebox';
import { Attributes, closed, DateTime, Id } from './common.js';
import { Enrolment } from './health.js';

/** The KPI event types of docs/kpis.md; any other name is accepted too, for `event` triggers. */
export const kpiEventTypes = [
  'churned',
  'upsell',
  'cross_sell',
  'contraction',
  'renewed',
  'onboarding_completed',
] as const;
/** Events that change MRR carry the new total MRR. */
export const mrrEventTypes: readonly string[] = ['upsell', 'cross_sell', 'contraction'];

/** What an MRR-changing event carries: the account's new total MRR. */
export const NewMrr = Type.Number({
  minimum: 0,
  maximum: 1e9,
  description: 'upsell, cross_sell, contraction: the new total MRR.',
});

const EventFields = {
  type: Type.String({
    pattern: '^[a-z][a-z0-9_.-]{0,62}$',
    description: `One of ${kpiEventTypes.join(', ')} (used by KPIs), or any other name for event triggers.`,
  }),
  occurredAt: DateTime,
  mrr: Type.Optional(NewMrr),
  product: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'cross_sell: the product bought.' }),
  ),
  data: Type.Optional(Attributes),
};

export const AccountEventInput = Type.Object(EventFields, closed);
export type AccountEventInput = Static<typeof AccountEventInput>;

export const AccountEventBatch = Type.Object(
  {
    items: Type.Array(Type.Object({ accountId: Id, ...EventFields }, closed), {
      minItems: 1,
      maxItems: 1000,
    }),
  },
  closed,
);
export type AccountEventBatch = Static<typeof AccountEventBatch>;

export const AccountEventResult = Type.Object(
  {
    id: Type.String(),
    accountId: Id,
    type: Type.String(),
    occurredAt: DateTime,
    enrolments: Type.Array(Enrolment),
  },
  closed,
);

export const AccountEventBatchItemResult = Type.Object(
  {
    index: Type.Integer(),
    accountId: Type.String(),
    status: Type.Union([Type.Literal('recorded'), Type.Literal('failed')]),
    id: Type.Optional(Type.String()),
    type: Type.Optional(Type.String()),
    occurredAt: Type.Optional(DateTime),
    enrolments: Type.Optional(Type.Array(Enrolment)),
    error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() }, closed)),
  },
  closed,
);

export const AccountEventBatchResult = Type.Object(
  {
    recorded: Type.Integer(),
    failed: Type.Integer(),
    results: Type.Array(AccountEventBatchItemResult),
  },
  closed,
);

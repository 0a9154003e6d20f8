import { Type, type Static } from 'typebox';
import { closed, DateTime, Id } from './common.js';
import { NewAccount } from './accounts.js';
import { kpiEventTypes, NewMrr } from './events.js';

const ImportedAccount = Type.Object(
  { ...NewAccount.properties, id: Id },
  { ...closed, description: 'An existing customer, as for POST /v1/accounts but with its id.' },
);

const ImportedEvent = Type.Object(
  {
    accountId: Id,
    type: Type.Union(
      kpiEventTypes.map((t) => Type.Literal(t)),
      { description: 'A KPI event type (docs/kpis.md).' },
    ),
    occurredAt: DateTime,
    mrr: Type.Optional(NewMrr),
    product: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  },
  closed,
);

const ImportedNps = Type.Object(
  { accountId: Id, score: Type.Integer({ minimum: 0, maximum: 10 }), respondedAt: DateTime },
  closed,
);

export const HistoryImportInput = Type.Object(
  {
    accounts: Type.Optional(Type.Array(ImportedAccount, { maxItems: 1000 })),
    events: Type.Optional(Type.Array(ImportedEvent, { maxItems: 20000 })),
    npsResponses: Type.Optional(Type.Array(ImportedNps, { maxItems: 20000 })),
  },
  {
    ...closed,
    minProperties: 1,
    description: 'Events and responses may name accounts of the same batch or accounts that exist already.',
  },
);
export type HistoryImportInput = Static<typeof HistoryImportInput>;

export const HistoryImportResult = Type.Object(
  {
    batch: Type.String({ description: 'The Idempotency-Key, or a generated id.' }),
    accounts: Type.Integer(),
    events: Type.Integer(),
    npsResponses: Type.Integer(),
  },
  closed,
);

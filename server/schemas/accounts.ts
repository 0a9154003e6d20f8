import { Type, type Static } from 'typebox';
import { Attributes, closed, DateTime, Email, HealthBand, Id, Page, PageQuery, Segment } from './common.js';

export const Contact = Type.Object(
  {
    email: Email,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    role: Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'e.g. primary, champion, billing, executive.',
    }),
    timezone: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z][A-Za-z0-9_+/-]{0,63}$',
        description: 'IANA time zone, e.g. Europe/Paris.',
      }),
    ),
  },
  closed,
);

const Contacts = Type.Array(Contact, { maxItems: 100 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Plan = Type.String({ minLength: 1, maxLength: 100 });
const Mrr = Type.Number({
  minimum: 0,
  maximum: 1e9,
  description: 'Monthly recurring revenue at contract start.',
});
const Lifecycle = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,62}$',
  description: 'onboarding, adoption, expansion, …',
});
const CsmRef = Type.String({
  minLength: 1,
  maxLength: 254,
  description: 'The owning CSM: a user id or email.',
});

export const NewAccount = Type.Object(
  {
    id: Type.Optional(Id),
    name: Name,
    segment: Segment,
    plan: Plan,
    mrr: Mrr,
    csm: CsmRef,
    contacts: Contacts,
    startedAt: DateTime,
    renewalAt: Type.Optional(DateTime),
    lifecycle: Type.Optional(Lifecycle),
    attributes: Type.Optional(Attributes),
  },
  closed,
);
export type NewAccount = Static<typeof NewAccount>;

/** MRR and startedAt are history (KPIs): MRR changes are recorded as upsell/contraction events. */
export const AccountPatch = Type.Object(
  {
    name: Type.Optional(Name),
    segment: Type.Optional(Segment),
    plan: Type.Optional(Plan),
    csm: Type.Optional(CsmRef),
    contacts: Type.Optional(Contacts),
    renewalAt: Type.Optional(
      Type.Union([DateTime, Type.Null()], { description: 'null removes the renewal date.' }),
    ),
    lifecycle: Type.Optional(Lifecycle),
    attributes: Type.Optional(
      Type.Record(
        Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_-]{0,63}$' }),
        Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean(), Type.Null()]),
        {
          ...closed,
          maxProperties: 100,
          description: 'Merged into the attributes; a null value removes the key.',
        },
      ),
    ),
  },
  { ...closed, minProperties: 1 },
);
export type AccountPatch = Static<typeof AccountPatch>;

export const AccountHealth = Type.Object(
  { score: Type.Number(), band: HealthBand, observedAt: DateTime },
  closed,
);

export const Account = Type.Object(
  {
    id: Id,
    name: Type.String(),
    segment: Segment,
    plan: Type.String(),
    mrr: Type.Number(),
    csm: Type.String({ description: 'The owning CSM user id.' }),
    contacts: Type.Array(Contact),
    startedAt: DateTime,
    renewalAt: Type.Optional(DateTime),
    lifecycle: Type.String(),
    attributes: Attributes,
    health: Type.Optional(AccountHealth),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  closed,
);
export type Account = Static<typeof Account>;

export const AccountListQuery = Type.Object(
  {
    segment: Type.Optional(Segment),
    band: Type.Optional(HealthBand),
    csm: Type.Optional(CsmRef),
    lifecycle: Type.Optional(Lifecycle),
    ...PageQuery,
  },
  closed,
);
export const AccountPage = Page(Account);

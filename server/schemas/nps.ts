import { Type, type Static } from 'typebox';
import { closed, DateTime, Id } from './common.js';

export const NpsInput = Type.Object(
  {
    accountId: Id,
    score: Type.Integer({ minimum: 0, maximum: 10 }),
    respondedAt: DateTime,
    contactEmail: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    comment: Type.Optional(Type.String({ maxLength: 5000 })),
  },
  closed,
);
export type NpsInput = Static<typeof NpsInput>;

export const NpsResult = Type.Object(
  {
    id: Type.String(),
    accountId: Id,
    score: Type.Integer(),
    category: Type.Union([Type.Literal('promoter'), Type.Literal('passive'), Type.Literal('detractor')]),
    respondedAt: DateTime,
  },
  closed,
);

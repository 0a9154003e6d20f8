import { Type } from 'typebox';
import { closed, DateTime, Id, Page, PageQuery } from './common.js';
import { RunId } from './runs.js';

export const Email = Type.Object(
  {
    id: Type.String({ description: 'The outbox entry, one per run and step (email_…).' }),
    runId: RunId,
    stepId: Type.String(),
    accountId: Type.String(),
    template: Type.String(),
    category: Type.String(),
    to: Type.Array(Type.String()),
    subject: Type.String(),
    status: Type.String({ description: 'pending, sent, suppressed or failed' }),
    createdAt: DateTime,
    sentAt: Type.Optional(DateTime),
  },
  closed,
);

export const EmailPage = Page(Email);
export const EmailListQuery = Type.Object({ accountId: Type.Optional(Id), ...PageQuery }, closed);
/**
 * Deliberately open and lenient: link trackers append their own parameters (utm_…), and a
 * missing or mangled token must still get the HTML page, not a JSON validation error. Only
 * the token is read, and only after its HMAC is verified.
 */
export const UnsubscribeQuery = Type.Object(
  { token: Type.Optional(Type.String({ maxLength: 4096 })) },
  { additionalProperties: true },
);

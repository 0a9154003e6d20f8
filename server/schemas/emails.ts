import { Type } from 'typebox';
import { closed, DateTime, Id, Page, PageQuery } from './common.js';

export const Email = Type.Object(
  {
    id: Type.String(),
    runId: Type.String(),
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
export const UnsubscribeQuery = Type.Object({ token: Type.String({ minLength: 10, maxLength: 4096, pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' }) }, closed);

export const TimelineItem = Type.Object(
  {
    at: DateTime,
    type: Type.Union([Type.Literal('health'), Type.Literal('run'), Type.Literal('email'), Type.Literal('task'), Type.Literal('outcome'), Type.Literal('nps'), Type.Literal('event')]),
    summary: Type.String(),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  closed,
);
export const TimelinePage = Page(TimelineItem);
export const TimelineQuery = Type.Object({ ...PageQuery }, closed);

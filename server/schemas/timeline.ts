import { Type, type Static } from 'typebox';
import { closed, DateTime, Page, PageQuery } from './common.js';

const TimelineKind = Type.Union([
  Type.Literal('health'),
  Type.Literal('run'),
  Type.Literal('email'),
  Type.Literal('task'),
  Type.Literal('outcome'),
  Type.Literal('nps'),
  Type.Literal('event'),
]);
export type TimelineKind = Static<typeof TimelineKind>;

export const TimelineItem = Type.Object(
  {
    at: DateTime,
    type: TimelineKind,
    summary: Type.String({
      description: 'One line a person reads, e.g. `Task "Call Acme" completed: reached`.',
    }),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  closed,
);

export const TimelinePage = Page(TimelineItem);

/**
 * The timeline reads `offset + limit` items from every collection it merges, so offset is kept
 * small; older history is reached with `before` (the `at` of the last item seen) instead.
 */
export const TimelineQuery = Type.Object(
  {
    limit: PageQuery.limit,
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 0 })),
    before: Type.Optional({
      ...DateTime,
      description: 'Only items strictly older than this instant (to page past offset 1000).',
    }),
  },
  closed,
);

import { Type, type Static } from 'typebox';
import { closed, DateTime, Id, Page, PageQuery } from './common.js';
import { RunId } from './runs.js';

const Priority = Type.Union([
  Type.Literal('low'),
  Type.Literal('normal'),
  Type.Literal('high'),
  Type.Literal('urgent'),
]);
const TaskStatus = Type.Union([Type.Literal('open'), Type.Literal('completed'), Type.Literal('cancelled')]);
const Outcome = Type.String({ pattern: '^[a-z][a-z0-9_]{0,62}$' });

/** `task_` and letters, digits, `_`, `-` (lib/ids.ts taskIdFor): put in a URL as it is. */
export const TaskId = Type.String({
  pattern: '^task_[A-Za-z0-9_-]{1,64}$',
  description:
    'A task id, e.g. task_Xq3vL0b9TzK2mWc8RfA1dE: opaque and URL-safe, used in a URL path as it is.',
});
export const TaskParams = Type.Object({ id: TaskId }, closed);

export const Task = Type.Object(
  {
    id: TaskId,
    runId: RunId,
    stepId: Type.String(),
    accountId: Type.String(),
    playbookId: Type.String(),
    assignee: Type.String(),
    title: Type.String(),
    description: Type.String(),
    priority: Priority,
    status: TaskStatus,
    due: DateTime,
    outcomes: Type.Array(Type.String(), { description: 'The outcomes the CSM may choose when completing.' }),
    outcome: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    note: Type.Optional(Type.String()),
    snoozedUntil: Type.Optional(DateTime),
    comments: Type.Array(Type.Object({ at: DateTime, by: Type.String(), text: Type.String() }, closed)),
    createdAt: DateTime,
    completedAt: Type.Optional(DateTime),
    delivery: Type.Optional(
      Type.String({
        description:
          'After completion: delivered, pending (Temporal unreachable; redelivered later) or run_closed.',
      }),
    ),
  },
  closed,
);

export const TaskPage = Page(Task);

export const TaskListQuery = Type.Object(
  {
    assignee: Type.Optional(
      Type.Union([Type.Literal('me'), Id], { description: '`me`, or (admins) a user id or email.' }),
    ),
    status: Type.Optional(TaskStatus),
    accountId: Type.Optional(Id),
    dueBefore: Type.Optional(DateTime),
    ...PageQuery,
  },
  closed,
);

export const CompleteTask = Type.Object(
  { outcome: Type.Optional(Outcome), note: Type.Optional(Type.String({ maxLength: 5000 })) },
  closed,
);
export const SnoozeTask = Type.Object({ until: DateTime }, closed);
export const ReassignTask = Type.Object(
  { assignee: Type.String({ minLength: 1, maxLength: 254, description: 'A user id or email.' }) },
  closed,
);
export const CommentTask = Type.Object({ text: Type.String({ minLength: 1, maxLength: 5000 }) }, closed);

export type TaskListQuery = Static<typeof TaskListQuery>;

import { Type } from 'typebox';
import { closed, DateTime, Id, Page, PageQuery, PlaybookId } from './common.js';

/** `run_` and letters, digits, `_`, `-` (workflows/contract.ts runIdFor): put in a URL as it is. */
export const RunId = Type.String({
  pattern: '^run_[A-Za-z0-9_-]{1,64}$',
  description:
    'A run id, e.g. run_01966b3c9f2e7a41b8d5c0e6f1a2b3c4: opaque and URL-safe, used in a URL path as it is.',
});
export const RunParams = Type.Object({ id: RunId }, closed);

export const RunStatus = Type.Union([
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('cancelled'),
  Type.Literal('failed'),
]);

const Free = Type.Record(Type.String(), Type.Unknown());

export const AuditEntry = Type.Object(
  {
    at: DateTime,
    step: Type.Union([Type.String(), Type.Null()]),
    kind: Type.String(),
    event: Type.String(),
    detail: Free,
  },
  closed,
);

const runFields = {
  id: RunId,
  workflowId: Type.String({
    description: "Temporal's workflow id, for looking the run up in Temporal; the API names runs by id.",
  }),
  accountId: Id,
  playbookId: PlaybookId,
  playbookVersion: Type.Integer(),
  control: Type.Boolean({ description: 'Holdout enrolment: no action taken, goal observed.' }),
  status: RunStatus,
  currentStep: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.Union([Type.String(), Type.Null()]),
  goalReached: Type.Union([Type.Boolean(), Type.Null()]),
  trigger: Free,
  startedAt: DateTime,
  endedAt: Type.Optional(DateTime),
  cancelReason: Type.Optional(Type.String()),
};

export const RunSummary = Type.Object(runFields, closed);
/** How many of a run's latest audit entries its read answers with (the rest: `GET /v1/runs/{id}/audit`). */
export const latestAuditEntries = 50;

export const Run = Type.Object(
  {
    ...runFields,
    audit: Type.Array(AuditEntry, {
      description: `The latest ${latestAuditEntries} entries of the audit trail, oldest first; every entry, page by page: GET /v1/runs/{id}/audit.`,
    }),
    auditTotal: Type.Integer({ minimum: 0, description: 'Entries in the whole audit trail.' }),
  },
  closed,
);

export const AuditPageQuery = Type.Object(PageQuery, closed);
/** The audit trail in order, `offset` counting from its first entry. */
export const AuditPage = Page(AuditEntry);

export const RunListQuery = Type.Object(
  {
    accountId: Type.Optional(Id),
    playbookId: Type.Optional(PlaybookId),
    status: Type.Optional(RunStatus),
    ...PageQuery,
  },
  closed,
);
export const RunPage = Page(RunSummary);

export const ManualEnrolment = Type.Object({ accountId: Id }, closed);
export const CancelRun = Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }) }, closed);

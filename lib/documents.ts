/**
 * The shapes of every MongoDB document Retain stores, one declaration each; lib/collections.ts
 * names the collection each lives in and its indexes. Ids are strings chosen by us (external
 * ids; `run_…` for runs, workflows/contract.ts runIdFor; `<kind>_…` of (run id, step id) for
 * per-step records, lib/ids.ts) so that a retried write finds the same document instead of
 * inserting a twin. Nothing parses an id: what Temporal needs (workflow id, first execution's
 * run id) is stored beside it.
 */
import type { HealthBand } from '../language/context.js';
import type { Playbook, Segment, TriggerOn } from '../language/schema.js';
import type { RunInterests } from '../language/run-interests.js';
import type { AccountHistory, MrrChange } from '../kpis/history.js';

export type { Segment };

/** The account's health as the engine keeps it. */
export interface HealthState {
  score: number;
  band: HealthBand;
  observedAt: Date;
  /**
   * Idempotency key of the observation that set it; lets a retried ingest find the `previous`
   * it saw. Absent on a health given with the account itself (`retain simulate`'s account file).
   */
  key?: string;
}

export interface Contact {
  email: string;
  name: string;
  role: string;
  timezone?: string;
}

export interface AccountDoc {
  _id: string;
  name: string;
  segment: Segment;
  plan: string;
  /** Initial MRR at contract start (KPIs derive later MRR from account events). */
  mrr: number;
  /** Owning CSM's user id. */
  csm: string;
  contacts: Contact[];
  startedAt: Date;
  renewalAt?: Date;
  lifecycle: string;
  attributes: Record<string, string | number | boolean>;
  health?: HealthState;
  /** The health `health` replaced (null: none), kept so a retried ingest replays its answer. */
  previousHealth?: HealthState | null;
  /** Set on accounts brought in by POST /v1/history: the batch's key (a retried batch finds its own). */
  importBatch?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What an account is created from (POST /v1/accounts, POST /v1/history, an account file). */
export type NewAccount = Pick<AccountDoc, 'name' | 'segment' | 'plan' | 'mrr' | 'csm' | 'contacts'> &
  Partial<Pick<AccountDoc, 'lifecycle' | 'attributes'>> & {
    id: string;
    startedAt: Date | string;
    renewalAt?: Date | string;
  };

/** The lifecycle of an account created without one. */
export const defaultLifecycle = 'onboarding';

/** The one way an account document is made: every creator gets the same defaults. */
export function newAccountDoc(input: NewAccount, now: Date): AccountDoc {
  return {
    _id: input.id,
    name: input.name,
    segment: input.segment,
    plan: input.plan,
    mrr: input.mrr,
    csm: input.csm,
    contacts: input.contacts,
    startedAt: new Date(input.startedAt),
    ...(input.renewalAt ? { renewalAt: new Date(input.renewalAt) } : {}),
    lifecycle: input.lifecycle ?? defaultLifecycle,
    attributes: input.attributes ?? {},
    createdAt: now,
    updatedAt: now,
  };
}

export interface HealthObservationDoc {
  _id: string;
  accountId: string;
  score: number;
  band: HealthBand;
  previousBand: HealthBand | 'none';
  previousScore: number;
  components?: Record<string, number>;
  observedAt: Date;
  receivedAt: Date;
  /** Older than the account's current health: recorded, but changed nothing. */
  stale: boolean;
  processed?: { at: Date; enrolments: EnrolmentResult[] };
}

/** What a run's document and its enrolment's document both say about the run. */
export interface RunIdentity {
  /** `run_<hex>` (runIdFor), URL-safe; the run's document and its enrolment share it. */
  _id: string;
  /** Temporal's workflow id `run:<playbook>:<account>`: internal, for signals and describe. */
  workflowId: string;
  firstExecutionRunId: string;
  accountId: string;
  playbookId: string;
  playbookVersion: number;
  control: boolean;
}

/** One entry of a run's audit trail as stored. */
export interface StoredAuditEntry {
  at: Date;
  step: string | null;
  kind: string;
  event: string;
  detail: Record<string, unknown>;
}

/**
 * One audit entry of a run, in `runAudit`: written once (insert-only), keyed by run and
 * sequence number (runAuditId), so a retried write finds its own entry.
 */
export interface RunAuditDoc extends StoredAuditEntry {
  /** `<runId>:<seq, 9 digits>`: runAuditId in lib/ids.ts. */
  _id: string;
  runId: string;
  /** Position in the run's trail, from 0. */
  seq: number;
}

export interface RunDoc extends RunIdentity {
  status: 'running' | 'completed' | 'cancelled' | 'failed';
  currentStep: string | null;
  outcome: string | null;
  goalReached: boolean | null;
  trigger: Record<string, unknown>;
  /**
   * The audit trail of runs recorded before `runAudit` existed; empty for later runs, whose
   * entries are in `runAudit`.
   */
  audit: StoredAuditEntry[];
  /** How many audit entries are stored (in `audit` or in `runAudit`). */
  auditLength?: number;
  startedAt: Date;
  endedAt?: Date;
  cancelReason?: string;
}

export interface TaskDoc {
  /** `task_…` (taskIdFor of run and step): one task per run and step, however often the activity retries. */
  _id: string;
  runId: string;
  /** Where the run lives in Temporal, for delivering the completion. */
  workflowId: string;
  firstExecutionRunId: string;
  stepId: string;
  accountId: string;
  playbookId: string;
  assignee: string;
  title: string;
  description: string;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  due: Date;
  outcomes: string[];
  status: 'open' | 'completed' | 'cancelled';
  outcome?: string | null;
  note?: string;
  comments: Array<{ at: Date; by: string; text: string }>;
  snoozedUntil?: Date;
  createdAt: Date;
  completedAt?: Date;
  /** Who completed it (a user id); absent when the assignee did. */
  completedBy?: string;
  /** Completed, but the run has not been told yet (Temporal was unreachable). */
  pendingDelivery?: boolean;
  deliveredAt?: Date;
  cancelledAt?: Date;
}

/**
 * What became of a task, decided once: by the CSM's completion or by the run's end, whichever
 * inserted this document first (lib/task-decisions.ts). The task's `status` is its projection.
 */
export interface TaskDecisionDoc {
  /** The task's id: one decision per task. */
  _id: string;
  runId: string;
  decision: 'completed' | 'cancelled';
  at: Date;
  /** The completion, as the CSM sent it (a completed task only). */
  outcome?: string | null;
  note?: string;
  by?: string;
}

export interface EmailDoc {
  /** `email_…` of run and step (outbox key): a retried send never sends the same step twice. */
  _id: string;
  runId: string;
  stepId: string;
  accountId: string;
  template: string;
  category: string;
  to: string[];
  /** The recipients the SMTP server accepted, once sent. */
  sentTo?: string[];
  subject: string;
  status: 'pending' | 'sent' | 'suppressed' | 'failed';
  messageId?: string;
  error?: string;
  createdAt: Date;
  sentAt?: Date;
}

export interface OutcomeDoc {
  /** `outcome_…` of the run and its step (`end` for the goal's outcome, recorded as the run ends). */
  _id: string;
  runId: string;
  accountId: string;
  playbookId: string;
  name: string;
  control: boolean;
  recordedAt: Date;
}

export interface SuppressionDoc {
  /** `<email lower-case>:<category>` or `<email>:*` for all marketing/CS mail. */
  _id: string;
  email: string;
  category: string;
  createdAt: Date;
}

export type Role = 'admin' | 'csm' | 'integration';

/** An API user; the token itself is shown once and stored only as its SHA-256 hash. */
export interface UserDoc {
  _id: string;
  email: string;
  name: string;
  role: Role;
  tokenHash: string;
  createdAt: Date;
}

/** A request's `Idempotency-Key` and the answer it got. */
export interface IdempotencyDoc {
  /** `<principal id>:<key>`: keys are scoped per caller. */
  _id: string;
  requestHash: string;
  /** null while the first request is still being answered. */
  status: number | null;
  body: string | null;
  createdAt: Date;
  completedAt?: Date;
}

/** One recipient's copy of an outbox email, accepted by the SMTP server. */
export interface EmailDeliveryDoc {
  _id: string;
  emailId: string;
  to: string;
  messageId: string;
  at: Date;
}

/** An immutable playbook version. */
export interface PlaybookVersionDoc {
  /** `<playbookId>@<version>` */
  _id: string;
  playbookId: string;
  version: number;
  /** sha256 of `source`, hex. */
  hash: string;
  source: string;
  definition: Playbook;
  /** What news its runs need (language/run-interests.ts); absent on versions stored before. */
  interests?: RunInterests;
  createdAt: Date;
  createdBy?: string;
}

/** The `playbooks` index: per playbook, its latest version and whether it is retired. */
export interface PlaybookIndexDoc {
  _id: string;
  name: string;
  latestVersion: number;
  retired: boolean;
  /** Set when it was retired. */
  retiredAt?: Date;
}

/** An account event pushed by an integration (billing, CRM, product analytics). */
export interface AccountEventDoc {
  /** The caller's idempotency key, or a generated one. */
  _id: string;
  accountId: string;
  type: string;
  occurredAt: Date;
  data: Record<string, string | number | boolean>;
  receivedAt: Date;
  /** Set once triggers and signals were handed to Temporal: a retried ingest replays this. */
  processed?: { at: Date; enrolments: EnrolmentResult[] };
}

/** What a trigger did for one playbook: the API's enrolment schema is built from this list. */
export const enrolmentStatuses = [
  'started',
  'already_running',
  'cooldown',
  'not_eligible',
  'retired',
  'already_enrolled',
] as const;
export type EnrolmentStatus = (typeof enrolmentStatuses)[number];

export interface EnrolmentResult {
  playbookId: string;
  playbookVersion: number | null;
  /** The run's id (`run_…`, the run doc's) when started; null otherwise. */
  runId: string | null;
  /** Temporal's workflow id, one per account and playbook: internal, not an API id. */
  workflowId: string;
  control: boolean;
  status: EnrolmentStatus;
  /** Why not, in words a CS-ops person understands. */
  reason?: string;
}

/**
 * One document per run the engine started, written right after Temporal accepted the start.
 * The run's own document (`runs`) is written by the workflow a moment later; this one has no
 * such gap, so retiring with cancelRunning and cooldown checks never miss a just-started run.
 */
export interface EnrolmentDoc extends RunIdentity {
  trigger: TriggerOn;
  sourceKey?: string;
  enrolledAt: Date;
}

/**
 * Date-based triggers fire on every daily scan while the date is in range: a claim per
 * (playbook, account, renewal date) makes the scan enrol once per renewal.
 */
export interface TriggerClaimDoc {
  _id: string;
  playbookId: string;
  accountId: string;
  claimedAt: Date;
  result: EnrolmentResult;
}

/**
 * Which observation succeeded which: `_id` is `<account>:<key of the health it replaced>`, so
 * exactly one observation can succeed a given one. The insert is the compare-and-set: FerretDB
 * does not make a filtered updateOne atomic under concurrency, but it does enforce unique ids.
 */
export interface HealthSuccessionDoc {
  _id: string;
  next: HealthState;
  previous: HealthState | null;
}

/**
 * What processing an observation enrolled, kept beside it (`_id` = the observation's) so
 * that a retry replays it. Written once by insert, for the same reason as the observation.
 */
export interface ObservationProcessedDoc {
  _id: string;
  at: Date;
  enrolments: EnrolmentResult[];
}

/** A KPI history (kpis/history.ts) whose account may not be recorded yet (its events arrived first). */
export type KpiAccountDoc = { _id: string; mrrChanges: MrrChange[] } & Partial<
  Omit<AccountHistory, 'id' | 'mrrChanges'>
>;

export interface KpiEventDoc {
  _id: string;
  accountId: string;
  type: string;
  occurredAt: Date;
  mrr?: number;
  product?: string;
  receivedAt: Date;
}

export interface NpsDoc {
  _id: string;
  accountId: string;
  score: number;
  respondedAt: Date;
  contactEmail?: string;
  comment?: string;
  receivedAt: Date;
}

export type JournalKind = 'account' | 'nps';

/** An entry of the KPI change journal (kpis/journal.ts). */
export interface JournalEntry {
  _id: string;
  seq: number;
  kind: JournalKind;
  /** Account ids (kind account) or NPS response ids (kind nps). */
  ids: string[];
  at: Date;
}

/** `kpiMeta`: the journal's next-id hint (`_id: 'journal'`). */
export interface KpiMetaDoc {
  _id: string;
  next: number;
}

/** The self-check's one write (activities/self-check.ts). */
export interface SelfCheckDoc {
  _id: string;
  note: string;
  workflowRecordedAt: Date;
}

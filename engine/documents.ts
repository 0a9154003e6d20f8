/**
 * MongoDB documents owned by the engine (triggers and enrolment). The shared shapes
 * (accounts, runs, tasks, …) live in lib/documents.ts.
 */
import type { HealthBand } from '../language/context.js';
import type { TriggerOn } from '../language/schema.js';

/** The account's health as the engine keeps it: `key` names the observation that set it. */
export interface HealthState {
  score: number;
  band: HealthBand;
  observedAt: Date;
  /** Idempotency key of the observation; lets a retried ingest find the `previous` it saw. */
  key: string;
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

export type EnrolmentStatus =
  'started' | 'already_running' | 'cooldown' | 'not_eligible' | 'retired' | 'already_enrolled';

export interface EnrolmentResult {
  playbookId: string;
  playbookVersion: number | null;
  /** `<workflowId>/<runId>` (the run doc id) when started; null otherwise. */
  runId: string | null;
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
export interface EnrolmentDoc {
  /** Same id as the run doc: `<workflowId>/<firstExecutionRunId>`. */
  _id: string;
  workflowId: string;
  accountId: string;
  playbookId: string;
  playbookVersion: number;
  control: boolean;
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

/**
 * The contract between the engine (API, triggers) and the playbook-run workflow: its input,
 * signals, queries and id. Clients import these so `handle.signal(taskCompleted, …)` is typed.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Playbook, TriggerOn } from '../language/schema.js';
import type { AccountView, HealthView, StepView } from '../language/context.js';
import type { JsonPath } from '../language/locate.js';

/**
 * One live run per account and playbook: Temporal refuses a second start with the same id.
 * Internal to the engine and Temporal; the API names a run by its run id (runIdFor).
 */
export function runWorkflowId(playbookId: string, accountId: string): string {
  return `run:${playbookId}:${accountId}`;
}

/**
 * The run id people and clients see (`run_<32 hex digits>`): URL-safe and opaque, made from the
 * run id of the workflow's first execution, which is unique and stays the same when the run
 * continues as new. Computed by the workflow and by the engine that started it; nothing parses
 * it back: the Temporal ids are stored beside it (RunExecution).
 */
export function runIdFor(firstExecutionRunId: string): string {
  return `run_${firstExecutionRunId.replace(/[^A-Za-z0-9]/g, '')}`;
}

/** Where a run lives in Temporal, kept on its run, enrolment and task documents for signals. */
export interface RunExecution {
  workflowId: string;
  firstExecutionRunId: string;
}

export interface TriggerRecord {
  on: TriggerOn;
  /** ISO time the trigger fired. */
  at: string;
  /** The values the trigger and audience expressions saw (audit: "why did this fire?"). */
  seen: Record<string, unknown>;
  /** For `event` triggers: the account event. */
  event?: { name: string; data: Record<string, string | number | boolean> };
  /** Idempotency key of the ingest that caused it, if any. */
  sourceKey?: string;
}

export interface RunInput {
  accountId: string;
  playbookId: string;
  playbookVersion: number;
  /** The validated snapshot this run interprets, whatever later versions say. */
  playbook: Playbook;
  /** Holdout: enrolled as control, no action taken, goal observed. */
  control: boolean;
  trigger: TriggerRecord;
  /**
   * Demos and benchmarks only: every duration of the playbook (waits, timeouts, task due
   * dates, the goal's window and its daily re-check) is divided by this. Absent: real time.
   */
  timeScale?: number;
  /**
   * Continue as new once the history is longer than this many events (and Temporal has not
   * suggested it sooner); default `defaultContinueAfterEvents`. Tests set it low.
   */
  continueAfterEvents?: number;
  /** Set by the run itself when it continues as new: where it was and what it knew. */
  continued?: RunContinuation;
}

/** A run continues as new past this many history events unless its input says otherwise. */
export const defaultContinueAfterEvents = 5_000;

/** Where a run was blocked when it continued as new. */
export type BlockedAt =
  /** In a `wait` or `waitFor` step (its path in the step tree), until an absolute time. */
  | { kind: 'step'; path: JsonPath; until: number; eventsSince?: number }
  /** Steps done (or a control run): observing the goal until its window ends. */
  | { kind: 'observe' };

/**
 * The whole state of a run carried into its next execution: its place in the step tree, step
 * outcomes, the goal window's end, what the signals said, the audit's position. Times are
 * absolute (epoch ms), so what remains of a wait is the same whenever the next run starts.
 */
export interface RunContinuation {
  at: BlockedAt;
  /** ISO time the run's first execution started. */
  startedAt: string;
  steps: Record<string, StepView>;
  account: AccountView | null;
  health: HealthView;
  previous: HealthView;
  /** Events a blocked `waitFor` has not looked at yet, and the last sequence number given. */
  events: Array<AccountEventSignal & { seq: number }>;
  eventSeq: number;
  refreshWanted: boolean;
  /** Epoch ms the goal's window ends, if it has one. */
  windowEndsAt: number | null;
  lastOutcome: string | null;
  /** The audit's last entries (every one not persisted yet among them) and their position. */
  audit: AuditEntry[];
  auditBase: number;
  persisted: number;
  /** How many times the run continued as new before this execution. */
  continuations: number;
}

/** A playbook duration in milliseconds of this run's time (see RunInput.timeScale). */
export function runDurationMs(input: Pick<RunInput, 'timeScale'>, ms: number): number {
  const scale = input.timeScale ?? 1;
  return scale > 0 && Number.isFinite(scale) ? ms / scale : ms;
}

export type RunStatus = 'running' | 'completed' | 'cancelled' | 'failed';

export interface RunResult {
  status: Exclude<RunStatus, 'running'>;
  outcome: string | null;
  goalReached: boolean;
}

export interface HealthChange {
  health: HealthView;
  previous: HealthView;
  observedAt: string;
}

export interface TaskCompletion {
  taskId: string;
  stepId: string;
  outcome: string | null;
  note?: string;
}

export interface AccountEventSignal {
  name: string;
  data: Record<string, string | number | boolean>;
  occurredAt: string;
}

export interface AuditEntry {
  /** ISO time (workflow time). */
  at: string;
  step: string | null;
  kind: string;
  event: string;
  detail: Record<string, unknown>;
}

/** What the `state` query answers: running (and where), or how the run ended. */
export interface RunStateView {
  status: RunStatus;
  currentStep: string | null;
  outcome: string | null;
}

export const healthChanged = defineSignal<[HealthChange]>('healthChanged');
export const taskCompleted = defineSignal<[TaskCompletion]>('taskCompleted');
export const accountEvent = defineSignal<[AccountEventSignal]>('accountEvent');
/**
 * A cancel was asked for (the engine's cancelRun sends it). Its wire name stays `cancelRun`, so
 * runs in flight and recorded histories still receive it.
 */
export const cancelRequested = defineSignal<[{ reason: string }]>('cancelRun');
export const auditQuery = defineQuery<AuditEntry[]>('audit');
export const stateQuery = defineQuery<RunStateView>('state');

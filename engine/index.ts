/**
 * The engine: triggers and enrolment, called in-process by the API (and the renewal-scan
 * activity) before an ingest is acknowledged. Every operation that answers "accepted" has
 * handed what must not be lost to Temporal (a started run, a signal) or to MongoDB (a task
 * completion awaiting delivery) before it returns.
 */
import type { Db } from 'mongodb';
import type { Client } from '@temporalio/client';
import { collections } from '../lib/collections.js';
import type { AccountDoc, EnrolmentResult, TaskDoc } from '../lib/documents.js';
import type { EngineDeps } from './engine-deps.js';
import { accountNotFound } from './errors.js';
import {
  ingestEvent,
  ingestEventBatch,
  type AccountEventInput,
  type EventIngestResult,
  type EventItemOutcome,
} from './event-ingest.js';
import { defaultThresholds, type HealthThresholds } from '../language/health-band.js';
import {
  ingestHealth,
  ingestHealthBatch,
  type HealthIngest,
  type HealthIngestResult,
  type HealthItemOutcome,
} from './health-ingest.js';
import { PlaybookCatalog } from './playbook-catalog.js';
import { scanRenewals, type RenewalScanResult } from './renewal-scan.js';
import { ensureRenewalSchedule } from './renewal-schedule.js';
import { cancelRun, retirePlaybook, type RetireResult } from './run-control.js';
import { completeTask, deliverPendingCompletions, type TaskCompletionResult } from './task-completion.js';
import { accountCreatedTrigger, enrollManually, fireTrigger } from './triggers/index.js';

export interface EngineOptions {
  db: Db;
  temporal: Client;
  taskQueue: string;
  thresholds?: HealthThresholds;
  /** The clock (tests pin it); defaults to the wall clock. */
  now?: () => Date;
}

export type Engine = ReturnType<typeof createEngine>;

export function createEngine(options: EngineOptions) {
  const deps: EngineDeps = {
    db: options.db,
    temporal: options.temporal,
    taskQueue: options.taskQueue,
    thresholds: options.thresholds ?? defaultThresholds,
    catalog: new PlaybookCatalog(options.db),
    now: options.now ?? (() => new Date()),
  };
  const accounts = () => collections(deps.db).accounts;

  return {
    deps,

    /** `account.created` triggers, once per account and playbook however often it is retried. */
    async accountCreated(accountOrId: AccountDoc | string): Promise<EnrolmentResult[]> {
      const account =
        typeof accountOrId === 'string' ? await accounts().findOne({ _id: accountOrId }) : accountOrId;
      if (!account) throw accountNotFound(String(accountOrId));
      return fireTrigger(deps, accountCreatedTrigger, account);
    },

    /** Health observation: band, previous band, `health.changed` enrolments; live runs are told. */
    ingestHealth(input: HealthIngest): Promise<HealthIngestResult> {
      return ingestHealth(deps, input);
    },

    /** Up to 1,000 observations in a bounded number of commands; an answer (or error) per item. */
    ingestHealthBatch(inputs: HealthIngest[]): Promise<HealthItemOutcome[]> {
      return ingestHealthBatch(deps, inputs);
    },

    /** A named account event: stored, `event` triggers fired, live runs told. */
    ingestEvent(accountId: string, input: AccountEventInput): Promise<EventIngestResult> {
      return ingestEvent(deps, accountId, input);
    },

    /** Up to 1,000 events of any accounts, processed like health batches. */
    ingestEventBatch(inputs: Array<AccountEventInput & { accountId: string }>): Promise<EventItemOutcome[]> {
      return ingestEventBatch(deps, inputs);
    },

    /** A person enrols an account: the audience applies, the trigger condition does not. */
    enrollManually(playbookId: string, accountId: string, actor?: string): Promise<EnrolmentResult> {
      return enrollManually(deps, playbookId, accountId, actor);
    },

    /** `task`: its id, or the task as the caller just read it. */
    completeTask(
      task: TaskDoc | string,
      input: { outcome?: string | null; note?: string },
      actor: string,
    ): Promise<TaskCompletionResult> {
      return completeTask(deps, task, input, actor);
    },

    deliverPendingCompletions(): Promise<number> {
      return deliverPendingCompletions(deps);
    },

    /** Retries undelivered task completions every `everyMs`; returns the stop function. */
    startDeliveryLoop(everyMs = 5_000, onError: (err: unknown) => void = () => {}): () => void {
      let busy = false;
      const timer = setInterval(() => {
        if (busy) return;
        busy = true;
        deliverPendingCompletions(deps)
          .catch(onError)
          .finally(() => (busy = false));
      }, everyMs);
      timer.unref();
      return () => clearInterval(timer);
    },

    cancelRun(runId: string, reason: string): Promise<'cancelling' | 'already_ended'> {
      return cancelRun(deps, runId, reason);
    },

    retirePlaybook(
      playbookId: string,
      opts: { cancelRunning?: boolean; reason?: string } = {},
    ): Promise<RetireResult> {
      return retirePlaybook(deps, playbookId, opts);
    },

    scanRenewals(opts: { onProgress?: () => void } = {}): Promise<RenewalScanResult> {
      return scanRenewals(deps, opts);
    },

    ensureRenewalSchedule(
      opts: { hourUtc?: number; scheduleId?: string } = {},
    ): Promise<'created' | 'exists'> {
      return ensureRenewalSchedule(deps.temporal, { taskQueue: deps.taskQueue, ...opts });
    },
  };
}

export { EngineError } from './errors.js';
export { healthBand, defaultThresholds, type HealthThresholds } from '../language/health-band.js';
export { holdoutDraw, isControl } from './holdout.js';
export { renewalScheduleId, renewalScanType } from './renewal-schedule.js';
export type { HealthIngest, HealthIngestResult } from './health-ingest.js';
export type { AccountEventInput, EventIngestResult } from './event-ingest.js';
export type { TaskCompletionResult } from './task-completion.js';
export type { RetireResult } from './run-control.js';
export type { RenewalScanResult } from './renewal-scan.js';

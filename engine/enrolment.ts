/**
 * Enrolment: decide whether one account enters one playbook now, and if so start its run.
 * Order matters: eligibility (audience and trigger conditions on the values the trigger saw),
 * then one-live-run and cooldown, then holdout, then the start. The start is the real guard
 * against double enrolment: the workflow id is one per account × playbook and Temporal
 * refuses a second start while a run with that id is open, however many triggers race.
 */
import type { Db } from 'mongodb';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { collections } from '../lib/collections.js';
import type { AccountDoc, EnrolmentDoc, EnrolmentResult } from '../lib/documents.js';
import type { EventView, HealthView } from '../language/context.js';
import type { TriggerOn } from '../language/schema.js';
import { runIdFor, runWorkflowId, type RunInput, type TriggerRecord } from '../workflows/contract.js';
import { playbookRun } from '../workflows/playbook-run.js';
import { runSearchAttributes } from '../workflows/search-attributes.js';
import { cooldownUntil, lastRun } from './cooldown.js';
import { checkEligibility } from './eligibility.js';
import { isControl } from './holdout.js';
import type { LivePlaybook } from './playbook-catalog.js';
import { triggerContext } from '../language/context.js';
import { insertIfAbsent } from '../lib/mongo.js';

export interface EnrolmentDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  now: () => Date;
}

export interface EnrolmentRequest {
  playbook: LivePlaybook;
  account: AccountDoc;
  health: HealthView;
  previous: HealthView;
  on: TriggerOn;
  event?: EventView & { occurredAt?: string };
  sourceKey?: string;
  /** A person decided (`manual`): only the audience applies, not `trigger.when`. */
  skipTriggerWhen?: boolean;
}

export async function enrol(deps: EnrolmentDeps, req: EnrolmentRequest): Promise<EnrolmentResult> {
  const { playbook, account } = req;
  const now = deps.now();
  const workflowId = runWorkflowId(playbook.id, account._id);
  const base = {
    playbookId: playbook.id,
    playbookVersion: playbook.version,
    workflowId,
    runId: null,
    control: false,
  };

  const ctx = triggerContext({
    account,
    health: req.health,
    previous: req.previous,
    playbookId: playbook.id,
    version: playbook.version,
    event: req.event,
    now,
  });
  const eligibility = checkEligibility(playbook.definition, ctx, { skipTriggerWhen: req.skipTriggerWhen });
  if (!eligibility.eligible) return { ...base, status: 'not_eligible', reason: eligibility.reason };

  const last = await lastRun(deps.db, deps.temporal, playbook.id, account._id);
  if (last.running)
    return { ...base, status: 'already_running', reason: 'the account is already in a run of this playbook' };
  const until = cooldownUntil(last, playbook.definition.enrollment?.cooldown, now);
  if (until) return { ...base, status: 'cooldown', reason: `in cooldown until ${until.toISOString()}` };

  const control = isControl(account._id, playbook.id, playbook.definition.enrollment?.holdout);
  const trigger: TriggerRecord = {
    on: req.on,
    at: now.toISOString(),
    seen: {
      health: ctx.health,
      previous: ctx.previous,
      segment: ctx.account.segment,
      daysToRenewal: ctx.account.daysToRenewal,
      lifecycle: ctx.account.lifecycle,
    },
    ...(req.event ? { event: { name: req.event.name, data: req.event.data } } : {}),
    ...(req.sourceKey ? { sourceKey: req.sourceKey } : {}),
  };
  const input: RunInput = {
    accountId: account._id,
    playbookId: playbook.id,
    playbookVersion: playbook.version,
    playbook: playbook.definition,
    control,
    trigger,
  };

  let firstExecutionRunId: string;
  try {
    const handle = await deps.temporal.workflow.start(playbookRun, {
      taskQueue: deps.taskQueue,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      typedSearchAttributes: runSearchAttributes(input, account.segment),
    });
    firstExecutionRunId = handle.firstExecutionRunId;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      return {
        ...base,
        status: 'already_running',
        reason: 'the account is already in a run of this playbook',
      };
    }
    throw err;
  }

  const runId = runIdFor(firstExecutionRunId);
  const doc: EnrolmentDoc = {
    _id: runId,
    workflowId,
    firstExecutionRunId,
    accountId: account._id,
    playbookId: playbook.id,
    playbookVersion: playbook.version,
    control,
    trigger: req.on,
    ...(req.sourceKey ? { sourceKey: req.sourceKey } : {}),
    enrolledAt: now,
  };
  await insertIfAbsent(collections(deps.db).enrolments, doc);
  return { ...base, runId, control, status: 'started' };
}

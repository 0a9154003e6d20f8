/**
 * Enrolment: decide whether accounts enter playbooks now, and if so start their runs. Decided
 * for a whole batch of requests at once: eligibility (audience and trigger conditions on the
 * values the trigger saw) in memory, then one-live-run and cooldown from one query over the
 * batch's runs (engine/cooldown.ts), then holdout, then the starts. The start is the real guard
 * against double enrolment: the workflow id is one per account × playbook and Temporal refuses a
 * second start while a run with that id is open, however many triggers race — so no describe
 * before it.
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
import { cooldownUntil, recentRuns } from './cooldown.js';
import { checkEligibility } from './eligibility.js';
import { isControl } from './holdout.js';
import type { LivePlaybook } from './playbook-catalog.js';
import { triggerContext } from '../language/context.js';
import { insertManyIfAbsent } from '../lib/mongo.js';
import { inPool } from '../lib/pool.js';
import { countEnrolments } from '../lib/metrics.js';

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

/** Starts in flight at once for one batch. */
const startConcurrency = 16;

const alreadyRunning = 'the account is already in a run of this playbook';

/**
 * One answer per request, in order: what the trigger did, or the error that stopped this one
 * request (Temporal unreachable) — the others are decided regardless. Requests for the same
 * account and playbook are decided in order: once one starts, the later ones are
 * `already_running`.
 */
export async function enrolAll(
  deps: EnrolmentDeps,
  requests: EnrolmentRequest[],
): Promise<Array<EnrolmentResult | Error>> {
  const now = deps.now();
  const answers: Array<EnrolmentResult | Error | null> = requests.map(() => null);
  const eligible: { index: number; input: RunInput; workflowId: string }[] = [];

  requests.forEach((req, index) => {
    const { playbook, account } = req;
    const base = baseOf(req);
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
    if (!eligibility.eligible) {
      answers[index] = { ...base, status: 'not_eligible', reason: eligibility.reason };
      return;
    }
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
      control: isControl(account._id, playbook.id, playbook.definition.enrollment?.holdout),
      trigger,
    };
    eligible.push({ index, input, workflowId: base.workflowId });
  });

  const recent = await recentRuns(
    deps.db,
    deps.temporal,
    eligible.map(({ index }) => ({
      playbookId: requests[index].playbook.id,
      accountId: requests[index].account._id,
      cooldown: requests[index].playbook.definition.enrollment?.cooldown,
    })),
    now,
  );
  const claimedInBatch = new Set<string>();
  const toStart = eligible.filter(({ index, workflowId }) => {
    const req = requests[index];
    const base = baseOf(req);
    const last = recent.of(req.playbook.id, req.account._id);
    // `running` only when Temporal said so for a run not recorded yet: its start would conflict.
    if (last.running || claimedInBatch.has(workflowId)) {
      answers[index] = { ...base, status: 'already_running', reason: alreadyRunning };
      return false;
    }
    const until = cooldownUntil(last, req.playbook.definition.enrollment?.cooldown, now);
    if (until) {
      answers[index] = { ...base, status: 'cooldown', reason: `in cooldown until ${until.toISOString()}` };
      return false;
    }
    claimedInBatch.add(workflowId);
    return true;
  });

  const started: EnrolmentDoc[] = [];
  await inPool(toStart, startConcurrency, async ({ index, input, workflowId }) => {
    const req = requests[index];
    const base = baseOf(req);
    try {
      const handle = await deps.temporal.workflow.start(playbookRun, {
        taskQueue: deps.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        typedSearchAttributes: runSearchAttributes(input, req.account.segment),
      });
      const runId = runIdFor(handle.firstExecutionRunId);
      started.push({
        _id: runId,
        workflowId,
        firstExecutionRunId: handle.firstExecutionRunId,
        accountId: input.accountId,
        playbookId: input.playbookId,
        playbookVersion: input.playbookVersion,
        control: input.control,
        trigger: req.on,
        ...(req.sourceKey ? { sourceKey: req.sourceKey } : {}),
        enrolledAt: now,
      });
      answers[index] = { ...base, runId, control: input.control, status: 'started' };
    } catch (err) {
      answers[index] =
        err instanceof WorkflowExecutionAlreadyStartedError
          ? { ...base, status: 'already_running', reason: alreadyRunning }
          : err instanceof Error
            ? err
            : new Error(String(err));
    }
  });
  await insertManyIfAbsent(collections(deps.db).enrolments, started);
  const decided = answers.map((a) => a ?? new Error('enrolment not decided'));
  countEnrolments(decided.filter((a): a is EnrolmentResult => !(a instanceof Error)));
  return decided;
}

/** One request; throws what stopped it. */
export async function enrol(deps: EnrolmentDeps, req: EnrolmentRequest): Promise<EnrolmentResult> {
  const [answer] = await enrolAll(deps, [req]);
  if (answer instanceof Error) throw answer;
  return answer;
}

function baseOf(req: EnrolmentRequest) {
  return {
    playbookId: req.playbook.id,
    playbookVersion: req.playbook.version,
    workflowId: runWorkflowId(req.playbook.id, req.account._id),
    runId: null,
    control: false,
  };
}

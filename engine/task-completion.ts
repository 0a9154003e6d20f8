/**
 * Task completion by a CSM. The completion is decided and recorded in one insert, its
 * `taskDecisions` document (lib/task-decisions.ts): it wins against the run's end and against
 * another completion, whichever comes first, and it holds the CSM's answer before the run is
 * told. Then the waiting run gets a `taskCompleted` signal, and one write projects the
 * completion onto the task and says whether the run was told. If Temporal cannot be reached the
 * task stays `pendingDelivery` and `deliverPendingCompletions` (run in a loop by the API)
 * delivers it later; a completion delivered twice is harmless, the workflow keeps the first.
 *
 * The happy path is three round trips: the task read (by the route, which checks who may act on
 * it), the decision's insert together with its projection onto the task (two commands sent at
 * once), and the signal; the delivery's result is written after the answer. The read cannot fold
 * into the insert (the insert needs the task's checks to have passed, and only an insert decides
 * on FerretDB). The projection is written before the insert is known to have won, marked for
 * delivery: a request whose insert lost writes the winner's projection back (settleDecided), and
 * one whose delivery record never lands leaves the completion to the retry loop, which tells the
 * run again (harmless: the workflow keeps the first completion of a task).
 */
import type { Db, UpdateFilter } from 'mongodb';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { collections } from '../lib/collections.js';
import type { TaskDecisionDoc, TaskDoc } from '../lib/documents.js';
import { insertIfAbsent } from '../lib/mongo.js';
import { decisionUpdate, projectDecision, withDecision } from '../lib/task-decisions.js';
import { taskCompleted } from '../workflows/contract.js';
import { EngineError, taskNotFound } from './errors.js';

/** How long one delivery attempt may take before the completion is left for the retry loop. */
const deliveryDeadlineMs = 3_000;

type Deps = { db: Db; temporal: Client; now: () => Date };

export interface TaskCompletionResult {
  task: TaskDoc;
  /** delivered: the run got it; pending: recorded, delivery retried later; run_closed: the run had already ended. */
  delivery: 'delivered' | 'pending' | 'run_closed';
}

/** `task`: its id, or the task as the caller just read it (saves reading it again). */
export async function completeTask(
  deps: Deps,
  task: TaskDoc | string,
  input: { outcome?: string | null; note?: string },
  actor: string,
): Promise<TaskCompletionResult> {
  const { tasks, taskDecisions } = collections(deps.db);
  const read = typeof task === 'string' ? await tasks.findOne({ _id: task }) : task;
  if (!read) throw taskNotFound(String(task));
  const outcome = input.outcome ?? null;
  checkOutcome(read, outcome);
  const mine: TaskDecisionDoc = {
    _id: read._id,
    runId: read.runId,
    decision: 'completed',
    at: deps.now(),
    outcome,
    ...(input.note !== undefined ? { note: input.note } : {}),
    by: actor,
  };
  if (read.status === 'open') {
    const projection = decisionUpdate(mine);
    const [won] = await Promise.all([
      insertIfAbsent(taskDecisions, mine),
      tasks.updateOne(
        { _id: read._id },
        { ...projection, $set: { ...projection.$set, pendingDelivery: true } },
      ),
    ]);
    // The delivery's record repeats the projection: on FerretDB an update writes the whole
    // document back, so a concurrent write from an older copy (a losing completion's) is undone.
    if (won) return deliver(deps, { ...withDecision(read, mine), pendingDelivery: true }, projection, false);
  }
  return settleDecided(deps, read, outcome);
}

/**
 * The task was decided already (or before this request's insert): the same answer again is a
 * success (a retried request, or two sent at once), anything else is a conflict.
 */
async function settleDecided(
  deps: Deps,
  task: TaskDoc,
  outcome: string | null,
): Promise<TaskCompletionResult> {
  const { tasks, taskDecisions } = collections(deps.db);
  const decision = await taskDecisions.findOne({ _id: task._id });
  // No decision: a task completed or cancelled before decisions were recorded.
  const decided = decision ? decision.decision : task.status;
  const decidedOutcome = decision ? (decision.outcome ?? null) : (task.outcome ?? null);
  if (decided === 'completed' && decidedOutcome === outcome) {
    if (decision && task.status !== 'completed')
      // Decided, not projected yet: the first request is still under way, or stopped before it
      // told the run. Telling the run again is harmless.
      return deliver(deps, withDecision(task, decision), decisionUpdate(decision));
    return task.pendingDelivery ? deliver(deps, task) : { task, delivery: 'delivered' };
  }
  if (decision && task.status !== decision.decision) await projectDecision(tasks, decision);
  throw new EngineError(
    409,
    'task_not_open',
    decided === 'cancelled'
      ? `Task "${task.title}" was cancelled because its run ended; it cannot be completed.`
      : `Task "${task.title}" is ${decided} and cannot be completed.`,
  );
}

/** The one check of a task's outcome: one of those the task offers, or none when it offers none. */
function checkOutcome(task: TaskDoc, outcome: string | null): void {
  if (task.outcomes.length > 0 && (outcome === null || !task.outcomes.includes(outcome))) {
    throw new EngineError(
      422,
      'outcome_not_allowed',
      `Complete "${task.title}" with one of: ${task.outcomes.join(', ')}.`,
      { allowed: task.outcomes },
    );
  }
  if (task.outcomes.length === 0 && outcome !== null)
    throw new EngineError(422, 'outcome_not_allowed', `Task "${task.title}" takes no outcome.`, {
      allowed: [],
    });
}

/**
 * Signals the run, then writes `projection` (the completion's fields, when the task does not
 * show them yet) together with the delivery's result: one write either way. `awaitRecord`
 * false (the task shows the completion, marked for delivery, already): the delivery's result is
 * written without holding the answer.
 */
async function deliver(
  deps: Deps,
  task: TaskDoc,
  projection: UpdateFilter<TaskDoc> = {},
  awaitRecord = true,
): Promise<TaskCompletionResult> {
  const { tasks } = collections(deps.db);
  let delivery: TaskCompletionResult['delivery'];
  try {
    // Pinned to the task's run: a later run of the same workflow id never gets its completion.
    const handle = deps.temporal.workflow.getHandle(task.workflowId, undefined, {
      firstExecutionRunId: task.firstExecutionRunId,
    });
    const completion = {
      taskId: task._id,
      stepId: task.stepId,
      outcome: task.outcome ?? null,
      ...(task.note !== undefined ? { note: task.note } : {}),
    };
    // Bounded: the CSM is waiting for an answer, and the completion is safe in MongoDB anyway.
    await deps.temporal.withDeadline(Date.now() + deliveryDeadlineMs, () =>
      handle.signal(taskCompleted, completion),
    );
    delivery = 'delivered';
  } catch (err) {
    delivery = err instanceof WorkflowNotFoundError ? 'run_closed' : 'pending';
  }
  const result: Partial<TaskDoc> =
    delivery === 'pending' ? { pendingDelivery: true } : { pendingDelivery: false, deliveredAt: deps.now() };
  const { $set = {}, ...rest } = projection;
  const record = () => tasks.updateOne({ _id: task._id }, { ...rest, $set: { ...$set, ...result } });
  if (awaitRecord)
    // The write may fail (the database gone): the decision holds the completion, so the request
    // fails and its retry, or the run's end, projects it (lib/task-decisions.ts).
    await record();
  else
    // Lost with the process or the database: the task stays marked, and the loop tells the run again.
    void record().catch(() => undefined);
  return { task: { ...task, ...result }, delivery };
}

/**
 * A completion is marked for delivery before its request tells the run; the loop leaves it to
 * that request for this long, so it does not tell the run a second time.
 */
const deliverySettleMs = 10_000;

/**
 * One pass over completions not yet delivered; returns how many were delivered now. Each is
 * delivered as its decision says (the truth, lib/task-decisions.ts), which also puts right a
 * task left showing a completion whose insert lost (its request stopped before it wrote the
 * winner's back); a task without a decision (completed before decisions existed, or whose
 * request failed before its insert) is delivered as it shows.
 */
export async function deliverPendingCompletions(deps: Deps, limit = 500): Promise<number> {
  const { tasks, taskDecisions } = collections(deps.db);
  const settled = new Date(deps.now().getTime() - deliverySettleMs);
  const pending = await tasks
    .find({ pendingDelivery: true, completedAt: { $lt: settled } })
    .limit(limit)
    .toArray();
  if (pending.length === 0) return 0;
  const decisions = new Map(
    (await taskDecisions.find({ _id: { $in: pending.map((t) => t._id) } }).toArray()).map((d) => [d._id, d]),
  );
  let delivered = 0;
  for (const task of pending) {
    const decision = decisions.get(task._id);
    if (decision?.decision === 'cancelled') {
      await tasks.updateOne({ _id: task._id }, decisionUpdate(decision));
      continue;
    }
    const result = decision
      ? await deliver(deps, withDecision(task, decision), decisionUpdate(decision))
      : await deliver(deps, task);
    if (result.delivery !== 'pending') delivered++;
  }
  return delivered;
}

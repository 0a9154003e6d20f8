/**
 * Task completion by a CSM: recorded in MongoDB first (the CSM's answer is never lost), then
 * handed to the waiting run as a `taskCompleted` signal. If Temporal cannot be reached the
 * task stays `pendingDelivery` and `deliverPendingCompletions` (run in a loop by the API)
 * delivers it later; a completion delivered twice is harmless, the workflow keeps the first.
 */
import type { Db } from 'mongodb';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { collections } from '../lib/collections.js';
import type { TaskDoc } from '../lib/documents.js';
import { taskCompleted } from '../workflows/contract.js';
import { EngineError, taskNotFound } from './errors.js';

/** How long one delivery attempt may take before the completion is left for the retry loop. */
const deliveryDeadlineMs = 3_000;

export interface TaskCompletionResult {
  task: TaskDoc;
  /** delivered: the run got it; pending: recorded, delivery retried later; run_closed: the run had already ended. */
  delivery: 'delivered' | 'pending' | 'run_closed';
}

export async function completeTask(
  deps: { db: Db; temporal: Client; now: () => Date },
  taskId: string,
  input: { outcome?: string | null; note?: string },
  actor: string,
): Promise<TaskCompletionResult> {
  const { tasks } = collections(deps.db);
  const task = await tasks.findOne({ _id: taskId });
  if (!task) throw taskNotFound(taskId);
  const outcome = input.outcome ?? null;
  checkOutcome(task, outcome);
  const res = await tasks.updateOne(
    { _id: taskId, status: 'open' },
    {
      $set: {
        status: 'completed',
        outcome,
        ...(input.note !== undefined ? { note: input.note } : {}),
        completedAt: deps.now(),
        completedBy: actor,
        pendingDelivery: true,
      },
    },
  );
  if (res.modifiedCount === 0) {
    const now = await tasks.findOne({ _id: taskId });
    // A retried request with the same answer is a success; a different answer is a conflict.
    if (now?.status !== 'completed' || now.outcome !== outcome) {
      throw new EngineError(
        409,
        'task_not_open',
        `Task "${task.title}" is ${now?.status ?? 'gone'} and cannot be completed.`,
      );
    }
  }
  const completed = (await tasks.findOne({ _id: taskId })) as TaskDoc;
  const delivery = completed.pendingDelivery ? await deliver(deps, completed) : 'delivered';
  return { task: (await tasks.findOne({ _id: taskId })) as TaskDoc, delivery };
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

async function deliver(
  deps: { db: Db; temporal: Client; now: () => Date },
  task: TaskDoc,
): Promise<TaskCompletionResult['delivery']> {
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
    if (!(err instanceof WorkflowNotFoundError)) return 'pending';
    delivery = 'run_closed';
  }
  await tasks.updateOne({ _id: task._id }, { $set: { pendingDelivery: false, deliveredAt: deps.now() } });
  return delivery;
}

/** One pass over completions not yet delivered; returns how many were delivered now. */
export async function deliverPendingCompletions(
  deps: { db: Db; temporal: Client; now: () => Date },
  limit = 500,
): Promise<number> {
  const pending = await collections(deps.db).tasks.find({ pendingDelivery: true }).limit(limit).toArray();
  let delivered = 0;
  for (const task of pending) if ((await deliver(deps, task)) !== 'pending') delivered++;
  return delivered;
}

/**
 * The ids of the records a run writes for one of its steps: its task, its outbox email, its
 * outcome. They are what makes a retried activity find its own earlier write, so each is a pure
 * function of (run id, step id); and since clients put them in URLs (`/v1/tasks/:id`) they are
 * URL-safe and opaque: `<kind>_` and 22 base64url characters of a SHA-256 of both ids, whatever
 * characters and length a step id has. The run id itself is `runIdFor` (workflows/contract.ts),
 * made where the workflow can compute it too.
 */
import { createHash } from 'node:crypto';

export type StepRecordKind = 'task' | 'email' | 'outcome';

export function stepRecordId(kind: StepRecordKind, runId: string, stepId: string): string {
  const digest = createHash('sha256').update(`${runId}:${stepId}`).digest('base64url');
  return `${kind}_${digest.slice(0, 22)}`;
}

/** A run's task for one step: one per run and step, however often createTask is retried. */
export function taskIdFor(runId: string, stepId: string): string {
  return stepRecordId('task', runId, stepId);
}

/** A run's audit entry number `seq` (runAudit): in trail order when sorted as text. */
export function runAuditId(runId: string, seq: number): string {
  return `${runId}:${String(seq).padStart(9, '0')}`;
}

/**
 * The answer of a batch route (POST /v1/health, POST /v1/events): one result per item, in the
 * request's order. An item the engine refused keeps its own error (an unknown account: 404
 * not_found); an item that failed for a passing reason (the database or Temporal away) answers
 * `internal` and marks the request's idempotency record incomplete, so a retry with the same
 * key processes what was not done and replays, by the per-item keys, what was.
 */
import type { FastifyRequest } from 'fastify';
import { EngineError, type ItemOutcome } from '../../engine/errors.js';
import { ApiError } from '../errors.js';

export interface BatchAnswer<T> {
  recorded: number;
  failed: number;
  results: Array<
    T | { index: number; accountId: string; status: 'failed'; error: { code: string; message: string } }
  >;
}

export async function batchAnswer<R, T>(
  request: FastifyRequest,
  accountIds: string[],
  run: () => Promise<Array<ItemOutcome<R>>>,
  recorded: (result: R, index: number) => T,
): Promise<BatchAnswer<T>> {
  let outcomes: Array<ItemOutcome<R>>;
  try {
    outcomes = await run();
  } catch (err) {
    // A command of the batch failed (the database away): nothing acknowledged, all retried.
    const error = err instanceof Error ? err : new Error(String(err));
    outcomes = accountIds.map(() => ({ ok: false, error }));
  }
  const logged = new Set<Error>();
  let failed = 0;
  const results = outcomes.map((outcome, index) => {
    if (outcome.ok) return recorded(outcome.result, index);
    const err = outcome.error;
    const known = err instanceof ApiError || err instanceof EngineError;
    if (!known && !logged.has(err)) {
      logged.add(err);
      request.log.error({ err, accountId: accountIds[index] }, 'batch item failed');
    }
    const error = known
      ? { code: err.code, message: err.message }
      : { code: 'internal', message: 'This item could not be recorded; retry it.' };
    if (!known) request.idempotencyIncomplete = true;
    failed++;
    return { index, accountId: accountIds[index], status: 'failed' as const, error };
  });
  return { recorded: results.length - failed, failed, results };
}

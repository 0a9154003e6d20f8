/**
 * Errors the engine throws for the caller to map: the same shape as the API's errors
 * (HTTP status, stable code, human message, details), so the API's error handler passes them through.
 */
/** Per item of a batch: its answer, or the error that stopped that item alone. */
export type ItemOutcome<R> = { ok: true; result: R } | { ok: false; error: Error };

/** The answer of a batch of one: its result, or its error thrown. */
export function onlyResult<R>([outcome]: ItemOutcome<R>[]): R {
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}

export class EngineError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export const accountNotFound = (id: string) =>
  new EngineError(404, 'not_found', `Account "${id}" does not exist.`);
export const playbookNotFound = (id: string) =>
  new EngineError(404, 'not_found', `Playbook "${id}" does not exist.`);
export const taskNotFound = (id: string) => new EngineError(404, 'not_found', `Task "${id}" does not exist.`);
export const runNotFound = (id: string) => new EngineError(404, 'not_found', `Run "${id}" does not exist.`);

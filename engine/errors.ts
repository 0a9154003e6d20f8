/**
 * Errors the engine throws for the caller to map: the same shape as the API's errors
 * (HTTP status, stable code, human message, details), so the API's error handler passes them through.
 */
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

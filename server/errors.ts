/**
 * Every error the API returns is `{ error: { code, message, details? } }` with a stable code.
 * Route code throws ApiError; the error handler maps everything else without leaking internals.
 */
import { Type } from 'typebox';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string, id: string) =>
  new ApiError(404, 'not_found', `${what} "${id}" does not exist.`);
export const forbidden = (message: string) => new ApiError(403, 'forbidden', message);
export const conflict = (code: string, message: string, details?: unknown) =>
  new ApiError(409, code, message, details);

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', description: 'Every error answer' },
);

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

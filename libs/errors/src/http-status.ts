// HTTP statuses by name. A call site answering with a catalog code takes its status from the
// catalog (statusOf); the few answers the catalog has no code for (204, 202, 415 …) name their
// status here instead of writing the number (docs/STYLE.md §4). catalog-literals.test.ts of the
// gateway and tenant-admin fails on a status written as a number.
import { errorDef, type ErrorCode } from './catalog.ts';

export const HttpStatus = {
  Ok: 200,
  Created: 201,
  Accepted: 202,
  NoContent: 204,
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  PayloadTooLarge: 413,
  UnsupportedMediaType: 415,
  UnprocessableEntity: 422,
  TooManyRequests: 429,
  InternalServerError: 500,
  ServiceUnavailable: 503,
} as const;

export type HttpStatusCode = (typeof HttpStatus)[keyof typeof HttpStatus];

/** The catalog's HTTP status of a code; a code without one is a programming error, caught by tests. */
export function statusOf(code: ErrorCode): number {
  const status = errorDef(code).httpStatus;
  if (status === undefined) throw new Error(`${code} has no HTTP status in the catalog`);
  return status;
}

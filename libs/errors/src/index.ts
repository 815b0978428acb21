export { catalog, errorDef, ErrorCodes, isErrorCode, type ClientErrorCode, type ErrorCode, type ErrorDef, type InternalErrorCode } from './catalog.ts';
export { errorCodeOf, isRetryable, joinErrorReason, RealtimeError, type RealtimeErrorOptions } from './error.ts';
export type { ErrorSpec } from './types.ts';
export { HttpStatus, statusOf, type HttpStatusCode } from './http-status.ts';

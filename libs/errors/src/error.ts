// RealtimeError carries a catalog code across layers; adapters throw it, supervising loops read
// `retryable`, transports read `httpStatus` / `closeCode`.
import { catalog, isErrorCode, type ErrorCode } from './catalog.ts';

export interface RealtimeErrorOptions {
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Overrides the catalog flag when the call site knows better (e.g. a final CDC parse error). */
  retryable?: boolean;
  /** Overrides the catalog status (e.g. the REST auth plug answers Unauthorized with 401). */
  httpStatus?: number;
}

export class RealtimeError extends Error {
  override name = 'RealtimeError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly httpStatus: number | undefined;
  readonly closeCode: number | undefined;
  readonly details: Record<string, unknown> | undefined;

  /** `message` defaults to the client text of the code, else its description. */
  constructor(code: ErrorCode, message?: string, options: RealtimeErrorOptions = {}) {
    const def = catalog[code];
    super(message ?? def.message ?? def.description, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? def.retryable;
    this.httpStatus = options.httpStatus ?? def.httpStatus;
    this.closeCode = def.closeCode;
    this.details = options.details;
  }
}

/**
 * The `reason` of a join error reply: `"<Code>: <message>"` (docs/PROTOCOL.md §3.3), with the catalog text when
 * no message is given. The codes the reference sends bare (UnableToSetPolicies,
 * UnknownErrorOnChannel) always give their fixed text; the detail belongs in the log.
 */
export function joinErrorReason(code: ErrorCode, message?: string): string {
  const def = catalog[code];
  if (def.bareReason) return def.message ?? def.description;
  return `${code}: ${message ?? def.message ?? def.description}`;
}

/** True for a RealtimeError (or any error whose `code` is a catalog code) marked retryable. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof RealtimeError) return err.retryable;
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return isErrorCode(code) && catalog[code].retryable;
}

/** The catalog code of an error, if it carries one. */
export function errorCodeOf(err: unknown): ErrorCode | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return isErrorCode(code) ? code : undefined;
}

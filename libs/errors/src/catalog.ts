// The one catalog: every operational code with its flags, keyed by the code itself.
import { clientErrors } from './client.ts';
import { internalErrors } from './internal.ts';
import type { ErrorSpec } from './types.ts';

export type ClientErrorCode = keyof typeof clientErrors;
export type InternalErrorCode = keyof typeof internalErrors;
export type ErrorCode = ClientErrorCode | InternalErrorCode;

export interface ErrorDef extends ErrorSpec {
  code: ErrorCode;
  /** Reaches the client (reply, HTTP answer, system message) or is about what it sent. */
  clientFacing: boolean;
}

function entries(specs: Record<string, ErrorSpec>, clientFacing: boolean): [ErrorCode, ErrorDef][] {
  return Object.entries(specs).map(([code, spec]) => [code as ErrorCode, Object.freeze({ code: code as ErrorCode, clientFacing, ...spec })]);
}

export const catalog: Readonly<Record<ErrorCode, ErrorDef>> = Object.freeze(
  Object.fromEntries([...entries(clientErrors, true), ...entries(internalErrors, false)]) as Record<ErrorCode, ErrorDef>,
);

/** `ErrorCodes.TenantNotFound === 'TenantNotFound'`: call sites use these, never string literals. */
export const ErrorCodes: { readonly [C in ErrorCode]: C } = Object.freeze(
  Object.fromEntries(Object.keys(catalog).map((code) => [code, code])) as { [C in ErrorCode]: C },
);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(catalog, value);
}

export function errorDef(code: ErrorCode): ErrorDef {
  return catalog[code];
}

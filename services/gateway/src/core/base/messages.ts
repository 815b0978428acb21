// The client-facing text of a catalog code (libs/errors): call sites name the code, never retype
// its message (docs/STYLE.md §4). catalog-literals.test.ts fails on a retyped one.
import { errorDef, type ErrorCode } from '@realtime/errors';

export const messageOf = (code: ErrorCode): string => errorDef(code).message ?? code;

import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './catalog.ts';
import { HttpStatus, statusOf } from './http-status.ts';

describe('statusOf', () => {
  it('reads the status of a code from the catalog', () => {
    expect(statusOf(ErrorCodes.TenantNotFound)).toBe(HttpStatus.NotFound);
    expect(statusOf(ErrorCodes.PayloadSizeExceeded)).toBe(HttpStatus.UnprocessableEntity);
  });

  it('refuses a code the catalog gives no status', () => {
    expect(() => statusOf(ErrorCodes.ChannelRateLimitReached)).toThrow(/no HTTP status/);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@realtime/errors';
import { firstRefusal, refusal, step } from './steps.ts';

describe('admission steps', () => {
  it('stops at the first refusal and runs no step after it', async () => {
    const ran: string[] = [];
    const verdict = await firstRefusal([
      step('a', () => (ran.push('a'), null)),
      step('b', async () => (ran.push('b'), refusal(ErrorCodes.TenantNotFound))),
      step('c', () => (ran.push('c'), null)),
    ]);
    expect(verdict).toEqual({ code: ErrorCodes.TenantNotFound, message: 'Tenant not found' });
    expect(ran).toEqual(['a', 'b']);
  });

  it('passes when every step passes', async () => {
    expect(await firstRefusal([step('a', () => null), step('b', async () => null)])).toBeNull();
  });

  it('takes the message from the catalog unless given one', () => {
    expect(refusal(ErrorCodes.ChannelRateLimitReached).message).toBe('Too many channels');
    expect(refusal(ErrorCodes.InvalidJWTToken, 'Token expiration time is invalid').message).toBe('Token expiration time is invalid');
  });
});

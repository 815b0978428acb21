import { describe, expect, it } from 'vitest';
import { errorCodeOf, ErrorCodes, isRetryable, joinErrorReason, RealtimeError } from './index.ts';

describe('RealtimeError', () => {
  it('takes its flags and default message from the catalog', () => {
    const err = new RealtimeError(ErrorCodes.TenantNotFound);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'RealtimeError', code: 'TenantNotFound', message: 'Tenant not found', retryable: false, httpStatus: 404, closeCode: 1001, details: undefined });
  });

  it('falls back to the description and accepts details, cause and overrides', () => {
    const cause = new Error('ECONNRESET');
    const err = new RealtimeError(ErrorCodes.UnableToSubscribeToPostgres, 'bad filter', { details: { tenant: 't' }, cause, retryable: false });
    expect(err).toMatchObject({ message: 'bad filter', retryable: false, details: { tenant: 't' }, cause });
    expect(new RealtimeError(ErrorCodes.KafkaUnavailable).message).toMatch(/Kafka/);
    expect(new RealtimeError(ErrorCodes.Unauthorized, 'Unauthorized', { httpStatus: 401 }).httpStatus).toBe(401);
  });
});

describe('joinErrorReason (docs/PROTOCOL.md §3.3)', () => {
  it.each([
    [ErrorCodes.ClientJoinRateLimitReached, undefined, 'ClientJoinRateLimitReached: Too many joins per second'],
    [ErrorCodes.TopicNameRequired, undefined, 'TopicNameRequired: You must provide a topic name'],
    [ErrorCodes.PrivateOnly, undefined, 'PrivateOnly: This project only allows private channels'],
    [ErrorCodes.InvalidJWTToken, 'Token has expired 12 seconds ago', 'InvalidJWTToken: Token has expired 12 seconds ago'],
    [ErrorCodes.Unauthorized, 'You do not have permissions to read from this Channel topic: room1', 'Unauthorized: You do not have permissions to read from this Channel topic: room1'],
    [ErrorCodes.UnableToSetPolicies, 'pg said no', 'Realtime was unable to connect to the project database'],
    [ErrorCodes.UnknownErrorOnChannel, undefined, 'Unknown Error on Channel'],
  ] as const)('%s %s → %s', (code, message, reason) => {
    expect(joinErrorReason(code, message)).toBe(reason);
  });
});

describe('isRetryable / errorCodeOf', () => {
  it('reads RealtimeError, then a catalog `code` property, else false', () => {
    expect(isRetryable(new RealtimeError(ErrorCodes.DatabaseConnectionDown))).toBe(true);
    expect(isRetryable(new RealtimeError(ErrorCodes.MigrationsFailedToRun))).toBe(false);
    expect(isRetryable(new RealtimeError(ErrorCodes.MalformedJWT, undefined, { retryable: true }))).toBe(true);
    expect(isRetryable({ code: 'KafkaUnavailable' })).toBe(true);
    expect(isRetryable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isRetryable('KafkaUnavailable')).toBe(false);
    expect(isRetryable(null)).toBe(false);
    expect(errorCodeOf(new RealtimeError(ErrorCodes.QueryCanceled))).toBe('QueryCanceled');
    expect(errorCodeOf({ code: '57014' })).toBeUndefined();
  });
});

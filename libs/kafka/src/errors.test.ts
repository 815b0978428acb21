import { describe, expect, it } from 'vitest';
import {
  KafkaJSBrokerNotFound, KafkaJSConnectionError, KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError, KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { ErrorCodes, RealtimeError } from '@realtime/errors';
import { SchemaError } from '@realtime/schemas';
import { classifyKafkaError, toRealtimeError } from './errors.ts';

const protocolError = (type: string, retriable: boolean) =>
  new KafkaJSProtocolError(Object.assign(new Error(type), { type, code: 0, retriable }));

describe('classifyKafkaError', () => {
  it.each([
    ['connection refused', new KafkaJSConnectionError('Connection error: ECONNREFUSED')],
    ['broker not found', new (KafkaJSBrokerNotFound as unknown as new (m: string) => Error)('no broker')],
    ['request timeout', new KafkaJSRequestTimeoutError('timed out')],
    ['no leader', protocolError('LEADER_NOT_AVAILABLE', true)],
    ['retries exhausted on a connection error', new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('down'), { retryCount: 5, retryTime: 100 })],
  ])('%s → KafkaUnavailable, retryable', (_label, err) => {
    expect(classifyKafkaError(err)).toEqual({ code: ErrorCodes.KafkaUnavailable, retryable: true });
  });

  it('keeps kafkajs retriable flag for other protocol errors', () => {
    expect(classifyKafkaError(protocolError('MESSAGE_TOO_LARGE', false))).toEqual({ code: ErrorCodes.KafkaPublishFailed, retryable: false });
    expect(classifyKafkaError(new KafkaJSError('transient'))).toEqual({ code: ErrorCodes.KafkaPublishFailed, retryable: true });
    expect(classifyKafkaError(new KafkaJSNonRetriableError('nope'))).toEqual({ code: ErrorCodes.KafkaPublishFailed, retryable: false });
  });

  it('treats a record that does not fit its schema as undecodable', () => {
    expect(classifyKafkaError(new SchemaError('UnknownSchemaFingerprint', 'x'))).toEqual({ code: ErrorCodes.KafkaRecordUndecodable, retryable: false });
  });

  it('passes RealtimeErrors through and calls anything else unknown', () => {
    expect(classifyKafkaError(new RealtimeError(ErrorCodes.KafkaUnavailable))).toEqual({ code: ErrorCodes.KafkaUnavailable, retryable: true });
    expect(classifyKafkaError(new TypeError('bug'))).toEqual({ code: ErrorCodes.UnknownError, retryable: false });
    expect(classifyKafkaError('a string')).toEqual({ code: ErrorCodes.UnknownError, retryable: false });
  });

  it('wraps into a RealtimeError with the cause', () => {
    const cause = new KafkaJSConnectionError('down');
    const err = toRealtimeError(cause, 'send to t failed', { topic: 't' });
    expect(err).toMatchObject({ code: ErrorCodes.KafkaUnavailable, retryable: true, cause, details: { topic: 't' } });
    expect(err.message).toBe('send to t failed: down');
  });
});

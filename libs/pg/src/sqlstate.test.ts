import { describe, expect, it } from 'vitest';
import { classifyPgError, hasSqlState, isStatementError, SqlState, sqlStateOf } from './sqlstate.ts';

describe('classifyPgError', () => {
  it('retries what the connection, the server or an operator caused', () => {
    expect(classifyPgError({ code: 'ECONNREFUSED' })).toEqual({ kind: 'unreachable', retryable: true, code: 'ECONNREFUSED' });
    expect(classifyPgError({ code: '08006' }).kind).toBe('connection');
    expect(classifyPgError({ code: SqlState.TooManyConnections })).toMatchObject({ kind: 'resources', retryable: true });
    expect(classifyPgError({ code: SqlState.AdminShutdown })).toMatchObject({ kind: 'operator', retryable: true });
    expect(classifyPgError({ code: SqlState.QueryCanceled })).toMatchObject({ kind: 'canceled', retryable: true });
  });

  it('does not retry an error of the statement itself', () => {
    expect(classifyPgError({ code: SqlState.InsufficientPrivilege })).toEqual({ kind: 'statement', retryable: false, code: '42501' });
    expect(classifyPgError({ code: 'P0001' })).toMatchObject({ kind: 'statement', retryable: false });
  });

  it('treats an error without a SQLSTATE as unknown and retryable', () => {
    expect(classifyPgError(new Error('Connection terminated unexpectedly'))).toEqual({ kind: 'unknown', retryable: true, code: undefined });
    expect(classifyPgError(undefined).kind).toBe('unknown');
  });
});

describe('sqlStateOf', () => {
  it('reads a string code only', () => {
    expect(sqlStateOf({ code: '42704' })).toBe('42704');
    expect(sqlStateOf({ code: 42 })).toBeUndefined();
    expect(sqlStateOf(null)).toBeUndefined();
    expect(hasSqlState({ code: '42P04' }, SqlState.DuplicateDatabase)).toBe(true);
  });

  it('tells statement errors from connection ones', () => {
    expect(isStatementError('42501')).toBe(true);
    expect(isStatementError('08006')).toBe(false);
    expect(isStatementError('ECONNREFUSED')).toBe(false);
    expect(isStatementError(undefined)).toBe(false);
  });
});

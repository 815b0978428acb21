import { describe, expect, it } from 'vitest';
import { createPgClient, createPgPool } from './client.ts';
import { within, timeoutOptions } from './timeouts.ts';

describe('timeouts', () => {
  it('maps named timeouts to pg options and leaves the rest unset', () => {
    expect(timeoutOptions({ connectMs: 1, queryMs: 2, statementMs: 3, lockMs: 4, idleInTransactionMs: 5 })).toEqual({
      connectionTimeoutMillis: 1, query_timeout: 2, statement_timeout: 3, lock_timeout: 4, idle_in_transaction_session_timeout: 5,
    });
    expect(timeoutOptions({})).toEqual({});
    expect(within(700)).toEqual({ connectMs: 700, queryMs: 700 });
  });
});

describe('factory', () => {
  // Nothing connects here: pg keeps the settings it was given on the (unconnected) objects.
  it('creates a client with the target, timeouts and application name', () => {
    const c = createPgClient({ connectionString: 'postgres://u@127.0.0.1:1/db' }, { connectMs: 1234, queryMs: 99, applicationName: 'x' }) as unknown as Record<string, unknown>;
    expect(c._connectionTimeoutMillis).toBe(1234);
    expect((c.connectionParameters as Record<string, unknown>).application_name).toBe('x');
    expect((c.connectionParameters as Record<string, unknown>).query_timeout).toBe(99);
  });

  it('creates a pool with its size and idle time', () => {
    const p = createPgPool({ host: '127.0.0.1', port: 1, database: 'd', user: 'u' }, { max: 3, idleMs: 10, statementMs: 50 });
    expect(p.options).toMatchObject({ max: 3, idleTimeoutMillis: 10, statement_timeout: 50, host: '127.0.0.1' });
    void p.end();
  });
});

import { describe, expect, it } from 'vitest';
import { createRegistry } from '@realtime/metrics';
import { migrationErrorCode, timedMigrations } from './prom-migration-metrics.ts';

describe('tenant migration metrics', () => {
  it('times runs that succeed and counts failures by the reference\'s error_code', async () => {
    const registry = createRegistry('tenant-admin', false);
    let fail: unknown = null;
    const migrate = timedMigrations(registry, async (_db: string) => {
      if (fail) throw fail;
      return 2;
    });
    expect(await migrate('db')).toBe(2);
    fail = Object.assign(new Error('relation exists'), { code: '42P07' });
    await expect(migrate('db')).rejects.toThrow('relation exists');
    fail = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    await expect(migrate('db')).rejects.toThrow();
    const text = await registry.metrics();
    expect(text).toMatch(/^realtime_tenants_migrations_duration_milliseconds_count\{service="tenant-admin"\} 1$/m);
    expect(text).toMatch(/^realtime_tenants_migrations_exceptions_total\{error_code="42P07",service="tenant-admin"\} 1$/m);
    expect(text).toMatch(/^realtime_tenants_migrations_exceptions_total\{error_code="connection_error",service="tenant-admin"\} 1$/m);
  });

  it('maps errors without a SQLSTATE', () => {
    expect(migrationErrorCode(new Error('Connection terminated unexpectedly'))).toBe('connection_error');
    expect(migrationErrorCode(new Error('boom'))).toBe('other');
    expect(migrationErrorCode('boom')).toBe('other');
  });
});

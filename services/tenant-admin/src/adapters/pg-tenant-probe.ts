// Health probe of a tenant database: one short-lived connection and `SELECT 1`, bounded in time.
import pg from 'pg';
import type { TenantDbProbe } from '../ports.ts';

export function createPgTenantProbe(timeoutMs = 3000): TenantDbProbe {
  return {
    async canConnect(target) {
      const client = new pg.Client({ ...target, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'realtime_health_check' });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

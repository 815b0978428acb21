import { describe, expect, it } from 'vitest';
import { sampleRecords } from '@realtime/testing/samples';
import { sameTarget, tenantDb } from './tenant-db.ts';

const reveal = (v: string) => v.replace(/^g1:/, '');

describe('tenantDb', () => {
  it('is a new target after a shutdown, so the running replication stops and a fresh one starts', () => {
    const s = { ...sampleRecords.TenantSnapshot, extensions: [{ type: 'postgres_cdc_rls', settings: { db_host: 'h', db_port: '5432', db_name: 'd', db_user: 'u', db_password: 'p', region: 'r' } }] };
    const before = tenantDb(s, reveal, 1024);
    expect(before).not.toBeNull();
    expect(sameTarget(before, tenantDb(s, reveal, 1024))).toBe(true);
    expect(sameTarget(before, tenantDb({ ...s, shutdown_seq: s.shutdown_seq + 1 }, reveal, 1024))).toBe(false);
  });
});

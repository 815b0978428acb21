// status's verdict and screen, from a Status value (reading it is covered by test-e2e/cli.test.ts).
import { describe, expect, it } from 'vitest';
import { formatStatus, isHealthy, type Status } from './status.ts';

const healthy: Status = {
  services: [{ name: 'tenant-admin', url: 'http://a', up: true }, { name: 'gateway 1', url: 'http://g', up: true }],
  tenants: { count: 1, health: [{ external_id: 'acme', healthy: true, db_connected: true, replication_connected: false }] },
  consumerLag: [{ group: 'presence', topic: 'realtime.presence.commands', lag: 12 }],
  slots: [{ tenant: 'acme', slot_name: 'supabase_realtime_replication_slot', active: true, lag_bytes: 3 * 1024 * 1024, lag_seconds: null, owner: null }],
  throttled: [{ tenant: 'acme', limit: 'events_per_second', rate: 14.5, max: 10, until: null, decided_at: '2026-01-01T00:00:00.000Z' }],
};

describe('status', () => {
  it('is healthy when every service is up and every part could be read', () => {
    expect(isHealthy(healthy)).toBe(true);
    expect(isHealthy({ ...healthy, services: [{ name: 'gateway 1', url: 'http://g', up: false, error: 'ECONNREFUSED' }] })).toBe(false);
    expect(isHealthy({ ...healthy, tenants: { error: '403' } })).toBe(false);
    expect(isHealthy({ ...healthy, consumerLag: { error: 'no brokers' } })).toBe(false);
    expect(isHealthy({ ...healthy, throttled: { error: 'no brokers' } })).toBe(false);
    expect(isHealthy({ ...healthy, slots: { error: 'no tenants read' } })).toBe(false);
  });

  it('prints services, tenants and lag on one screen', () => {
    const text = formatStatus({ ...healthy, services: [...healthy.services, { name: 'gateway 2', url: 'http://h', up: false, error: 'ECONNREFUSED' }] });
    expect(text).toContain('up    tenant-admin');
    expect(text).toContain('DOWN  gateway 2      http://h  (ECONNREFUSED)');
    expect(text).toContain('tenants: 1');
    expect(text).toContain('acme  db connected, replication not connected');
    expect(text).toMatch(/^ +12 {2}presence {2}realtime\.presence\.commands$/m);
    expect(text).toMatch(/^ +3\.0 MiB {2}acme {2}active$/m);
    expect(text).toContain('throttled tenants: 1\n  acme  events_per_second  14.5/s over 10/s');
  });
});

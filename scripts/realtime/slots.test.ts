// slots' screen from TenantSlot rows (reading them is covered by test-e2e/cli.test.ts).
import { describe, expect, it } from 'vitest';
import { formatBytes, formatSlots, type TenantSlot } from './slots.ts';

const slot = (fields: Partial<TenantSlot>): TenantSlot => ({
  tenant: 'acme', slot_name: 'supabase_realtime_replication_slot', active: true, lag_bytes: 2048, lag_seconds: 0.25, owner: null, ...fields,
});

describe('slots', () => {
  it('prints one line per slot: state, lag, owner; errors and tenants without a slot say so', () => {
    const text = formatSlots([
      slot({ owner: { pid: 42, application_name: 'ingest-cdc@host-a/7', client_addr: '10.0.0.5', client_port: 50123, since: null } }),
      slot({ tenant: 'beta', active: false, lag_bytes: 5 * 1024 ** 3, lag_seconds: null }),
      slot({ tenant: 'gamma', slot_name: null }),
      slot({ tenant: 'delta', error: 'database not readable: timeout' }),
    ]);
    expect(text).toMatch(/^acme +active +2\.0 KiB +0\.250 {2}ingest-cdc@host-a\/7 \(pid 42, 10\.0\.0\.5:50123\)$/m);
    expect(text).toMatch(/^beta +INACTIVE +5\.0 GiB +- {2}none$/m);
    expect(text).toMatch(/^gamma +no slot/m);
    expect(text).toMatch(/^delta +ERROR +database not readable: timeout$/m);
    expect(formatSlots([])).toBe('no tenants\n');
  });

  it('writes byte counts in binary units', () => {
    expect([formatBytes(null), formatBytes(0), formatBytes(1023), formatBytes(1536), formatBytes(3 * 1024 ** 2)]).toEqual(['-', '0 B', '1023 B', '1.5 KiB', '3.0 MiB']);
  });
});
